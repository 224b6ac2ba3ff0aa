package registry_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/layerscope/layerscope/analysis/source/registry"
	"github.com/layerscope/layerscope/analysis/synth"
)

// TestHostileRegistry: each fault of a hostile registry ends in one short
// line naming the host, in bounded time, memory and requests; a blob that
// goes on past its stated size is read up to that size and no further.
func TestHostileRegistry(t *testing.T) {
	const stall = 300 * time.Millisecond
	cases := []struct {
		fault    synth.RegistryFault
		loadErr  string // "" if Load succeeds
		layerErr string // "" if the layer reads fine
	}{
		{synth.EndlessConfig, "states a config of 20000000000 bytes", ""},
		{synth.LongConfig, "", ""},
		{synth.LongLayer, "", ""},
		{synth.NegativeLayer, "negative size (-1) for layer 0", ""},
		{synth.HugeManifest, "sent a manifest larger than 8 MiB", ""},
		{synth.EndlessManifest, "sent a manifest larger than 8 MiB", ""},
		// go-containerregistry drains the API check and ignores errors:
		// it stops at the cap and goes on.
		{synth.EndlessPing, "", ""},
		{synth.RedirectLoop, "redirected a manifest more than 10 times", ""},
		{synth.RedirectLoopBlob, "", "redirected a blob more than 10 times"},
		{synth.TrickleManifest, "sent nothing for 300ms while sending a manifest", ""},
		{synth.SilentManifest, "sent nothing for 300ms while sending a manifest", ""},
		{synth.TrickleLayer, "", "sent nothing for 300ms while sending a blob"},
		{synth.TrickleToken, "sent nothing for 300ms while sending a token", ""},
		{synth.ErrorBody, "has no such image: 404 Not Found", ""},
		{synth.ErrorJSON, "has no such image: \x1b[2J\x1b[31mrepository is gone layerscope: all clear", ""},
	}
	for _, c := range cases {
		t.Run(string(c.fault), func(t *testing.T) {
			h, err := synth.NewHostileRegistry(c.fault)
			if err != nil {
				t.Fatal(err)
			}
			h.Trickle = 3 * stall
			srv := httptest.NewServer(h)
			defer srv.Close()
			host := strings.TrimPrefix(srv.URL, "http://")
			start := time.Now()
			var before runtime.MemStats
			runtime.ReadMemStats(&before)

			err = loadAndRead(host, stall, c.layerErr != "" || c.loadErr == "")
			want := c.loadErr + c.layerErr
			if want == "" {
				if err != nil {
					t.Fatalf("want success, got %v", err)
				}
			} else {
				if err == nil {
					t.Fatalf("no error, want %q", want)
				}
				msg := err.Error()
				if !strings.Contains(msg, want) || !strings.Contains(msg, host) {
					t.Errorf("error %q does not say %q and name %s", msg, want, host)
				}
				if strings.ContainsAny(msg, "\n\r") || len(msg) > 400 {
					t.Errorf("error is not one short line (%d bytes): %q", len(msg), msg)
				}
			}
			var after runtime.MemStats
			runtime.ReadMemStats(&after)
			if grown := int64(after.TotalAlloc - before.TotalAlloc); grown > 200<<20 {
				t.Errorf("allocated %d MiB", grown>>20)
			}
			if took := time.Since(start); took > 20*time.Second {
				t.Errorf("took %v", took)
			}
			if n := h.Requests(); n > 40 {
				t.Errorf("the registry saw %d requests", n)
			}
			t.Logf("%s: %d requests, %v: %v", c.fault, h.Requests(), time.Since(start).Round(time.Millisecond), err)
		})
	}
}

// loadAndRead loads the image and, if asked, reads its layer to the end.
func loadAndRead(host string, stall time.Duration, readLayer bool) error {
	img, _, err := registry.Load(context.Background(), host+"/hostile:1", v1.Platform{OS: "linux", Architecture: "amd64"},
		registry.Options{Insecure: true, Limits: registry.Limits{Stall: stall}})
	if err != nil || !readLayer {
		return err
	}
	layers, err := img.Layers()
	if err != nil {
		return err
	}
	rc, err := layers[0].Compressed()
	if err != nil {
		return err
	}
	defer rc.Close()
	n, err := io.Copy(io.Discard, rc)
	if err != nil {
		return err
	}
	if size, _ := layers[0].Size(); n != size {
		return io.ErrUnexpectedEOF
	}
	return nil
}

// TestRequestBudget: the guard stops after MaxRequests, retries and
// redirects included.
func TestRequestBudget(t *testing.T) {
	var seen int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen++
		w.WriteHeader(http.StatusServiceUnavailable) // retried by go-containerregistry
	}))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	_, _, err := registry.Load(context.Background(), host+"/x:1", v1.Platform{OS: "linux", Architecture: "amd64"},
		registry.Options{Insecure: true, Limits: registry.Limits{MaxRequests: 2}})
	if err == nil || !strings.Contains(err.Error(), "more than 2 requests") {
		t.Fatalf("err = %v", err)
	}
	if seen > 2 {
		t.Errorf("the registry saw %d requests", seen)
	}
}
