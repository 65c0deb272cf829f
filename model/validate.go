package model

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// MaxTextLength bounds names, emails, phones and products.
const MaxTextLength = 200

// ValidateAccount reports the first thing wrong with one account and its contacts.
func ValidateAccount(a Account) error {
	if err := field("account id", a.ID, MaxIDLength, true); err != nil {
		return err
	}
	if err := pathSafe("account id", a.ID); err != nil {
		return err
	}
	if err := field("account number", a.Number, MaxIDLength, true); err != nil {
		return err
	}
	if err := field("account name", a.Name, MaxTextLength, true); err != nil {
		return err
	}
	if err := field("product", a.Product, MaxTextLength, false); err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, c := range a.Contacts {
		if err := field("contact id", c.ID, MaxIDLength, true); err != nil {
			return err
		}
		if err := pathSafe("contact id", c.ID); err != nil {
			return err
		}
		if c.ID == AccountWide {
			return fmt.Errorf("%w: contact id %q is reserved for the account-wide PIN", ErrInvalidInput, AccountWide)
		}
		if seen[c.ID] {
			return fmt.Errorf("%w: contact id %q appears twice on account %s", ErrInvalidInput, c.ID, a.ID)
		}
		seen[c.ID] = true
		if err := field("contact name", c.Name, MaxTextLength, true); err != nil {
			return err
		}
		if err := field("email", c.Email, MaxTextLength, false); err != nil {
			return err
		}
		if c.Email != "" && !strings.Contains(c.Email, "@") {
			return fmt.Errorf("%w: email %q has no @", ErrInvalidInput, c.Email)
		}
		if err := field("phone", c.Phone, MaxTextLength, false); err != nil {
			return err
		}
		if _, err := ParseContactRole(string(c.Role)); err != nil {
			return err
		}
	}
	return nil
}

// ValidateAccounts checks every account and that no id or number appears twice.
func ValidateAccounts(accounts []Account) error {
	ids, numbers := map[string]bool{}, map[string]bool{}
	for i, a := range accounts {
		if err := ValidateAccount(a); err != nil {
			return fmt.Errorf("account %d: %w", i+1, err)
		}
		if ids[a.ID] {
			return fmt.Errorf("%w: account id %q appears twice", ErrInvalidInput, a.ID)
		}
		if numbers[a.Number] {
			return fmt.Errorf("%w: account number %q appears twice", ErrInvalidInput, a.Number)
		}
		ids[a.ID], numbers[a.Number] = true, true
	}
	return nil
}

func field(name, v string, max int, required bool) error {
	switch {
	case required && strings.TrimSpace(v) == "":
		return fmt.Errorf("%w: %s is missing", ErrInvalidInput, name)
	case !utf8.ValidString(v):
		return fmt.Errorf("%w: %s is not valid UTF-8", ErrInvalidInput, name)
	case utf8.RuneCountInString(v) > max:
		return fmt.Errorf("%w: %s is longer than %d characters", ErrInvalidInput, name, max)
	}
	// A terminal would interpret an ESC or a bidi control in a name (see IsControl).
	return CheckText(name, v)
}

// AccountText lists an account's own text fields by name, and ContactText a contact's: the fields
// a terminal shows, which CheckText guards.
func AccountText(a Account) [][2]string {
	return [][2]string{{"account id", a.ID}, {"account number", a.Number}, {"account name", a.Name}, {"product", a.Product}}
}

func ContactText(c Contact) [][2]string {
	return [][2]string{{"contact id", c.ID}, {"contact name", c.Name}, {"email", c.Email}, {"phone", c.Phone}}
}

// pathSafe refuses the ids "." and "..": an id is a segment of the REST API's URLs, where these two
// are dot-segments that every HTTP client and server removes, so such an account could never be
// reached over the network.
func pathSafe(name, id string) error {
	if id == "." || id == ".." {
		return fmt.Errorf("%w: %s %q cannot be used (it is a path segment in the API's URLs)", ErrInvalidInput, name, id)
	}
	return nil
}
