package harness

import (
	"archive/tar"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"time"
)

// buildImages makes the two images the tests need without a registry, by
// `docker import` of tarballs built here:
//   - tpe2e-busybox: /bin/busybox with a symlink per applet, for workloads;
//   - tpe2e-daemon: the same plus the static telepresence stand-in as
//     entrypoint, for the containerized daemon.
//
// They are rebuilt on every run (it takes seconds) and removed at the end:
// every import gets a new ID, so keeping them would pile up dangling images.
func buildImages(standin string) error {
	removeImages() // a crashed earlier run may have left them
	base, err := busyboxFiles()
	if err != nil {
		return err
	}
	if err := importImage(BusyboxImage, base, `CMD ["sh"]`); err != nil {
		return err
	}
	tp, err := os.ReadFile(standin)
	if err != nil {
		return err
	}
	daemon := append(slices.Clone(base), tarEntry{path: "usr/local/bin/telepresence", mode: 0o755, data: tp})
	return importImage(DaemonImage, daemon, `ENTRYPOINT ["/usr/local/bin/telepresence"]`)
}

func removeImages() {
	for _, img := range []string{BusyboxImage, DaemonImage} {
		if _, err := Docker("image", "inspect", img); err == nil {
			if _, err := Docker("rmi", img); err != nil {
				fmt.Fprintf(os.Stderr, "e2e: could not remove image %s: %v\n", img, err)
			}
		}
	}
}

// tarEntry is a directory (path ends in "/"), a symlink (link set) or a file.
type tarEntry struct {
	path string
	mode int64
	data []byte
	link string
}

// busyboxFiles is a minimal root filesystem around the host's static busybox.
func busyboxFiles() ([]tarEntry, error) {
	bb, err := os.ReadFile("/bin/busybox")
	if err != nil {
		return nil, fmt.Errorf("need a static /bin/busybox on the host: %w", err)
	}
	applets, err := exec.Command("/bin/busybox", "--list").Output()
	if err != nil {
		return nil, fmt.Errorf("/bin/busybox --list: %w", err)
	}
	files := []tarEntry{
		{path: "bin/", mode: 0o755}, {path: "etc/", mode: 0o755}, {path: "root/", mode: 0o700},
		{path: "tmp/", mode: 0o1777}, {path: "usr/", mode: 0o755}, {path: "usr/bin/", mode: 0o755},
		{path: "usr/local/", mode: 0o755}, {path: "usr/local/bin/", mode: 0o755},
		{path: "var/", mode: 0o755}, {path: "var/www/", mode: 0o755},
		{path: "bin/busybox", mode: 0o755, data: bb},
		{path: "usr/bin/env", link: "/bin/busybox"}, // for "#!/usr/bin/env sh"
		{path: "etc/passwd", mode: 0o644, data: []byte("root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n")},
		{path: "etc/group", mode: 0o644, data: []byte("root:x:0:\nnobody:x:65534:\n")},
	}
	for _, a := range strings.Fields(string(applets)) {
		if a != "busybox" {
			files = append(files, tarEntry{path: "bin/" + a, link: "busybox"})
		}
	}
	return files, nil
}

func importImage(tag string, files []tarEntry, change string) error {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	now := time.Now()
	for _, f := range files {
		h := &tar.Header{Name: f.path, Mode: f.mode, ModTime: now, Typeflag: tar.TypeReg, Size: int64(len(f.data))}
		switch {
		case strings.HasSuffix(f.path, "/"):
			h.Typeflag = tar.TypeDir
		case f.link != "":
			h.Typeflag, h.Linkname, h.Mode = tar.TypeSymlink, f.link, 0o777
		}
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		if _, err := tw.Write(f.data); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	cmd := exec.Command("docker", "import",
		"-c", change, "-c", "ENV PATH=/usr/local/bin:/usr/bin:/bin", "-", tag)
	cmd.Stdin = &buf
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("docker import %s: %w: %s", tag, err, out)
	}
	return nil
}
