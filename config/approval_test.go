package config

import (
	"strings"
	"testing"
	"time"

	"github.com/pindesk/pindesk/model"
)

func TestApprovalDefaultsToResetsAndRepeatUnlocksAndRefusesBadValuesNamingTheSetting(t *testing.T) {
	s, err := Load(source(t, env{}, nil))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := s.Approval.Policy(), (model.ApprovalPolicy{Reset: true, RepeatUnlock: true, TTL: 15 * time.Minute}); got != want {
		t.Fatalf("default policy %+v, want %+v", got, want)
	}
	for _, c := range []struct {
		name string
		env  env
		want string
	}{
		{"a reset setting that is neither required nor off", env{"PINDESK_APPROVAL_RESET": "yes"}, "approval.reset"},
		{"an unlock setting that is neither required nor off", env{"PINDESK_APPROVAL_UNLOCK": "always"}, "approval.unlock"},
		{"a repeat-unlock setting that is neither required nor off", env{"PINDESK_APPROVAL_REPEAT_UNLOCK": "maybe"}, "approval.repeat_unlock"},
		{"a request that expires at once", env{"PINDESK_APPROVAL_TTL": "10s"}, "approval.ttl"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, err := Load(source(t, c.env, nil))
			if err == nil {
				err = s.Validate()
			}
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one naming %s", err, c.want)
			}
		})
	}
}
