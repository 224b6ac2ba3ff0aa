//go:build unix

package tarfs

import "syscall"

// freeSpace is what may be written in dir, keeping a margin free; when
// it cannot be told, writes fail as the disk fills instead.
func freeSpace(dir string) int64 {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return 1<<63 - 1
	}
	avail := int64(st.Bavail) * int64(st.Bsize)
	if avail < 0 {
		return 1<<63 - 1
	}
	return avail - freeMargin
}
