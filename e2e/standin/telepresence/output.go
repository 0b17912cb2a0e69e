package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
)

// outMode is how a command prints its result (pkg/client/cli/output/output.go).
type outMode int

const (
	modeText   outMode = iota
	modeOutput         // --output json: objects bare, the rest in the {cmd,stdout,stderr,err} envelope
	modeFormat         // --format json (2.29+): objects bare, errors as {"error": ...}
)

// outputMode reads --output and --format as the emulated release does:
// --format from 2.29, which deprecates --output and refuses both together.
func outputMode(r release, f *flags) (outMode, error) {
	out, format := f.last("output"), f.last("format")
	if f.has("output") && f.has("format") {
		return modeText, errors.New("--output and --format cannot be used together; --output is deprecated, use --format instead")
	}
	if f.has("output") && r.format() {
		fmt.Fprintln(os.Stderr, "Flag --output has been deprecated, use --format instead")
	}
	switch {
	case out == "json":
		return modeOutput, nil
	case format == "json":
		return modeFormat, nil
	case out == "" && format == "", out == "default", format == "default", format == "text":
		return modeText, nil
	}
	return modeText, fmt.Errorf("the stand-in only supports json output, not %q", out+format)
}

// guessMode finds the output flags in a command line that did not parse.
func guessMode(r release, args []string) outMode {
	for i, a := range args {
		next := ""
		if i+1 < len(args) {
			next = args[i+1]
		}
		switch {
		case a == "--output=json", a == "--output" && next == "json":
			return modeOutput
		case r.format() && (a == "--format=json" || a == "--format" && next == "json"):
			return modeFormat
		}
	}
	return modeText
}

// fail prints err in the shape of mode and returns the exit code.
func (e *env) fail(mode outMode, err error) int {
	switch mode {
	case modeOutput:
		printJSON(e.envelope(err.Error()))
	case modeFormat:
		printJSON(map[string]any{"error": err.Error()})
	default:
		_, _ = os.Stdout.WriteString(e.text.String())
		fmt.Fprintf(os.Stderr, "telepresence %s: error: %v\n", e.cmd, err)
	}
	return 1
}

// succeed prints the command's result in the shape of mode.
func (e *env) succeed(mode outMode, obj any) int {
	if r, ok := obj.(raw); ok {
		_, _ = os.Stdout.WriteString(string(r))
		return 0
	}
	switch {
	case mode != modeText && obj != nil:
		printJSON(obj)
	case mode == modeOutput:
		printJSON(e.envelope(""))
	case mode == modeFormat:
		printJSON(e.text.String())
	default:
		_, _ = os.Stdout.WriteString(e.text.String())
	}
	return 0
}

// envelope is the legacy --output json result of a command that prints no
// object, from the sample intercept-error.json.
func (e *env) envelope(errMsg string) shape {
	return loadSample(sampleError).
		set("cmd", e.cmd).set("stdout", e.text.String()).set("stderr", "").set("err", errMsg)
}

// printJSON writes v as one JSON line on stdout.
func printJSON(v any) {
	data, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	fmt.Println(string(data))
}
