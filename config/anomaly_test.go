package config

import (
	"strings"
	"testing"
	"time"
)

func TestAnomalySettingsDefaultToTenFailuresAcrossFiveAccountsIn15Minutes(t *testing.T) {
	s, err := Load(source(t, env{}, nil))
	if err != nil {
		t.Fatal(err)
	}
	if a := s.Anomaly; a.Failures != 10 || a.Accounts != 5 || a.Window != 15*time.Minute || a.SlowInterval != 30*time.Second {
		t.Fatalf("defaults %+v", a)
	}
	s, err = Load(source(t, env{"PINDESK_ANOMALY_FAILURES": "0", "PINDESK_ANOMALY_ACCOUNTS": "0"}, nil))
	if err == nil {
		err = s.Validate()
	}
	if err != nil {
		t.Fatalf("alerts turned off (anomaly.failures 0) refused: %v", err)
	}
}

func TestBadAnomalySettingsAreRefusedNamingTheSetting(t *testing.T) {
	for _, c := range []struct {
		name string
		env  env
		want string
	}{
		{"a negative threshold", env{"PINDESK_ANOMALY_FAILURES": "-1"}, "anomaly.failures"},
		{"more accounts than failures", env{"PINDESK_ANOMALY_ACCOUNTS": "11"}, "anomaly.accounts"},
		{"no accounts", env{"PINDESK_ANOMALY_ACCOUNTS": "0"}, "anomaly.accounts"},
		{"an empty window", env{"PINDESK_ANOMALY_WINDOW": "0s"}, "anomaly.window"},
		{"a window over a day", env{"PINDESK_ANOMALY_WINDOW": "25h"}, "anomaly.window"},
		{"no pace at all", env{"PINDESK_ANOMALY_SLOW_INTERVAL": "0s"}, "anomaly.slow_interval"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, err := Load(source(t, c.env, nil))
			if err == nil {
				err = s.Validate()
			}
			if err == nil || !strings.Contains(err.Error(), c.want+" (") && !strings.Contains(err.Error(), c.want+":") {
				t.Fatalf("err = %v, want one naming %s", err, c.want)
			}
		})
	}
}
