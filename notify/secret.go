package notify

import (
	"crypto/rand"
	"encoding/base64"
)

// NewSecret draws a Standard Webhooks secret: whsec_ and 32 random bytes in base64.
func NewSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return "whsec_" + base64.StdEncoding.EncodeToString(b)
}

func base64Std(s string) ([]byte, error) { return base64.StdEncoding.DecodeString(s) }
