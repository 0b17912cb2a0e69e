package lifecycle

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/telepresenceio/docker-telepresence/telepresence"
)

// The status asked ahead, while the project loaded, is the one the run
// goes on with: a re-up asks Telepresence for its status once in all.
func TestTheStatusAskedAheadIsTheRunsOwn(t *testing.T) {
	f := newFixture(t, projectYAML, v227)
	f.upRunning(t)
	f.j.reset()
	r := f.newRunner()
	ahead := r.AskStatus(t.Context())
	defer ahead.Close()
	if err := r.Up(t.Context(), UpOptions{Project: f.project, Intent: f.intent, Mode: Detached, Status: ahead}); err != nil {
		t.Fatal(err)
	}
	ahead.Close()
	if got := tpAsked(f.j); !slices.Equal(got, []string{"tp status"}) {
		t.Errorf("asked Telepresence %q, want its status once", got)
	}
}

// stampedLocker is a Locker whose stamp changes each time another command
// is said to take or release a lock.
type stampedLocker struct {
	journalLocker
	changes atomic.Int32
}

func (l *stampedLocker) Stamp() string { return strconv.Itoa(int(l.changes.Load())) }

// A status asked ahead may predate another run of the project that ended
// while this one loaded it (it released its lock meanwhile): the run
// drops it, and asks again once it holds the project's lock. Without such
// a change it keeps it.
func TestAStatusAskedBeforeAnotherRunEndedIsAskedAgain(t *testing.T) {
	for _, tc := range []struct {
		name  string
		other bool
		want  []string
	}{
		{"no lock taken or released meanwhile", false, []string{"tp status", "lock proj"}},
		{"another run released a lock meanwhile", true, []string{"tp status", "lock proj", "tp status"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, projectYAML, v227)
			f.upRunning(t)
			f.j.reset()
			r := f.newRunner()
			locker := &stampedLocker{journalLocker: journalLocker{j: f.j}}
			r.Locker = locker
			ahead := r.AskStatus(t.Context())
			defer ahead.Close()
			if _, err := ahead.read.wait(t.Context()); err != nil {
				t.Fatal(err)
			}
			if tc.other {
				locker.changes.Add(1)
			}
			if err := r.Up(t.Context(), UpOptions{Project: f.project, Intent: f.intent, Mode: Detached, Status: ahead}); err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, s := range f.j.all() {
				if strings.HasPrefix(s, "tp ") || s == "lock proj" {
					got = append(got, s)
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("asked %q, want %q", got, tc.want)
			}
		})
	}
}

// A project without intent leaves the status asked ahead unread: that
// Telepresence is not installed does not matter to it.
func TestAProjectWithoutIntentIgnoresTheStatusAskedAhead(t *testing.T) {
	f := newFixture(t, "services:\n  web: {image: web}\n", v227)
	f.tp.statusErr = telepresence.ErrNotInstalled
	ahead := f.runner.AskStatus(t.Context())
	defer ahead.Close()
	if err := f.runner.Up(t.Context(), UpOptions{Project: f.project, Intent: f.intent, Mode: Detached, Status: ahead}); err != nil {
		t.Fatalf("up = %v, want the project run without Telepresence", err)
	}
	if !hasStep(f.j, "compose up") {
		t.Errorf("the project did not run: %v", f.j.all())
	}
}

// blockingStatus is a Telepresence whose status answers only once its
// context ends, as a command interrupted would.
type blockingStatus struct {
	telepresence.Client
	asked chan struct{}
	ended atomic.Bool
}

func (b *blockingStatus) Status(ctx context.Context) (*telepresence.Status, error) {
	close(b.asked)
	<-ctx.Done()
	b.ended.Store(true)
	return nil, ctx.Err()
}

// Closing a status asked ahead ends the ask and waits for its end, so that
// a command that stops early (a compose file that does not load) leaves no
// telepresence process behind.
func TestClosingTheStatusAskedAheadEndsIt(t *testing.T) {
	f := newFixture(t, projectYAML, v227)
	tp := &blockingStatus{Client: f.tp, asked: make(chan struct{})}
	f.runner.Telepresence = tp
	ahead := f.runner.AskStatus(t.Context())
	<-tp.asked // asked at once, not when a run wants it
	ahead.Close()
	if !tp.ended.Load() {
		t.Fatal("Close returned before the status asked ahead had ended")
	}
	if _, err := ahead.read.wait(t.Context()); !errors.Is(err, context.Canceled) {
		t.Errorf("the status asked ahead answered %v, want it canceled", err)
	}
	ahead.Close() // a second Close is harmless
}
