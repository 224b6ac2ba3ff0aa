package compression

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"testing/iotest"
)

func TestAheadYieldsTheStream(t *testing.T) {
	data := make([]byte, 3*aheadSize*aheadDepth+12345) // more than the buffers hold
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	// Short reads on both sides: the source returns a byte at a time
	// sometimes, the reader asks for odd sizes.
	a := NewAhead(iotest.HalfReader(bytes.NewReader(data)))
	defer a.Close()
	got, err := io.ReadAll(iotest.OneByteReader(io.LimitReader(a, 1000)))
	if err != nil {
		t.Fatal(err)
	}
	rest, err := io.ReadAll(a)
	if err != nil {
		t.Fatal(err)
	}
	if got = append(got, rest...); !bytes.Equal(got, data) {
		t.Fatalf("read %d bytes, not the %d written", len(got), len(data))
	}
	if n, err := a.Read(make([]byte, 10)); n != 0 || err != io.EOF {
		t.Fatalf("after the end: %d, %v", n, err)
	}
}

func TestAheadPassesTheSourceError(t *testing.T) {
	boom := errors.New("boom")
	a := NewAhead(io.MultiReader(strings.NewReader("abc"), iotest.ErrReader(boom)))
	defer a.Close()
	got, err := io.ReadAll(a)
	if string(got) != "abc" || !errors.Is(err, boom) {
		t.Fatalf("got %q, %v; want abc, boom", got, err)
	}
	if _, err := a.Read(make([]byte, 1)); !errors.Is(err, boom) {
		t.Fatalf("again: %v", err)
	}
}

type panicReader struct{}

func (panicReader) Read([]byte) (int, error) { panic("bad input") }

func TestAheadTurnsAPanicIntoAnError(t *testing.T) {
	a := NewAhead(panicReader{})
	defer a.Close()
	if _, err := io.ReadAll(a); err == nil || !strings.Contains(err.Error(), "bad input") {
		t.Fatalf("got %v", err)
	}
}

// endless never ends: only Close stops the producer.
type endless struct{}

func (endless) Read(b []byte) (int, error) { return len(b), nil }

func TestAheadCloseStopsTheProducer(t *testing.T) {
	a := NewAhead(endless{})
	if _, err := io.ReadFull(a, make([]byte, 5*aheadSize)); err != nil {
		t.Fatal(err)
	}
	a.Close() // returns only once the producer has: a hang fails the test
	a.Close() // twice is harmless
}
