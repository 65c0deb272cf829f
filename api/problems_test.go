package api_test

import (
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/pindesk/pindesk/api"
	"github.com/pindesk/pindesk/model"
)

// TestEveryRowOfTheErrorTableAnswersItsOwnError: the server finds the row of an error by the
// first match, so a row shadowed by an earlier one (an error that wraps two sentinels) would
// answer the wrong code; and the client must find the same error again from the code.
func TestEveryRowOfTheErrorTableAnswersItsOwnError(t *testing.T) {
	codes := map[string]bool{}
	for _, row := range api.ErrorCodes() {
		t.Run(row.Code, func(t *testing.T) {
			if codes[row.Code] {
				t.Fatalf("code %s has two rows", row.Code)
			}
			codes[row.Code] = true
			if http.StatusText(row.Status) == "" || row.Status < 400 {
				t.Fatalf("status %d is not an error status", row.Status)
			}
			back, ok := api.ErrorFor(row.Code)
			if !ok || back.Code != row.Code || back.Err != row.Err || back.Status != row.Status {
				t.Fatalf("ErrorFor(%q) = %+v, %v", row.Code, back, ok)
			}
			if row.Err == nil {
				return // answered by the server of itself, never found from an error
			}
			got, ok := api.CodeFor(fmt.Errorf("some operation: %w: the details", row.Err))
			if !ok || got.Code != row.Code || got.Status != row.Status {
				t.Fatalf("an error wrapping %q answers %+v, %v; want code %s", row.Err, got, ok, row.Code)
			}
		})
	}
}

// TestEveryModelErrorHasACode: each of the model's sentinels crosses the API as a code of its own,
// so the client can rebuild it.
func TestEveryModelErrorHasACode(t *testing.T) {
	for _, err := range []error{
		model.ErrInvalidInput, model.ErrInvalidPIN, model.ErrUnknownAccount, model.ErrUnknownHolder,
		model.ErrUnknownKind, model.ErrNoPINs, model.ErrNoSuchPIN, model.ErrLocked, model.ErrNotLocked,
		model.ErrHardLocked, model.ErrNotPermitted, model.ErrPolicy, model.ErrConflict, model.ErrBusy,
		model.ErrUnavailable, model.ErrUnauthorized, model.ErrRateLimited, model.ErrIdempotencyMismatch,
	} {
		row, ok := api.CodeFor(err)
		if !ok || row.Err != err {
			t.Errorf("%q has no row of its own (%+v)", err, row)
		}
	}
}

func TestATooLargeRequestIsInvalidInputWithACodeOfItsOwn(t *testing.T) {
	err := fmt.Errorf("%w: the body is larger than 16384 bytes", api.ErrTooLarge)
	if !errors.Is(err, model.ErrInvalidInput) {
		t.Fatal("a too-large request is not invalid input to the caller")
	}
	if row, _ := api.CodeFor(err); row.Code != api.CodeTooLarge || row.Status != http.StatusRequestEntityTooLarge {
		t.Fatalf("answers %+v; want too_large, 413", row)
	}
	if row, _ := api.CodeFor(model.ErrInvalidInput); row.Code != api.CodeInvalidInput {
		t.Fatalf("plain invalid input answers %+v", row)
	}
}

func TestAnErrorTheContractDoesNotNameHasNoCode(t *testing.T) {
	if row, ok := api.CodeFor(errors.New("disk on fire")); ok {
		t.Fatalf("answers %+v", row)
	}
	if row, ok := api.ErrorFor("a_newer_servers_code"); ok {
		t.Fatalf("answers %+v", row)
	}
}
