package cli

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/pindesk/pindesk/config"
)

func (a *app) configCommand() *cobra.Command {
	var keys strings.Builder
	tw := tabwriter.NewWriter(&keys, 0, 0, 2, ' ', 0)
	defaults := config.Defaults(config.Source{})
	for _, e := range defaults.Entries() {
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", e.Key, config.EnvName(e.Key), e.Help)
	}
	tw.Flush()
	return &cobra.Command{
		Use:   "config",
		Short: "Show the settings in force and where each comes from",
		Long: `config prints every setting, its value and the layer that set it. Each layer overrides the
one before:

  1. built-in defaults
  2. the config file: DATA_DIR/config.json, or the file named by --config or PINDESK_CONFIG
  3. environment variables PINDESK_*
  4. command-line flags

The config file is one JSON object; the policy and serve settings are nested objects, durations
are written like "2m" or "48h", keys starting with "_" are comments, and relative paths are
relative to the file's folder. For example:

  {
    "_comment": "front desk, floor 2",
    "role": "supervisor",
    "idle_timeout": "3m",
    "policy": {"max_failures": 5, "one_time_ttl": "12h"},
    "serve": {"listen": "0.0.0.0:7420", "tls_cert": "tls/cert.pem", "tls_key": "tls/key.pem"}
  }

Settings (key, environment variable, meaning):
` + keys.String(),
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := a.settings()
			if err != nil {
				return err
			}
			if s.ConfigFile != "" {
				fmt.Fprintf(a.out, "config file: %s\n\n", s.ConfigFile)
			} else {
				fmt.Fprintf(a.out, "config file: none (looked for %s)\n\n", a.defaultConfigPath(s))
			}
			tw := tabwriter.NewWriter(a.out, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "KEY\tVALUE\tFROM")
			for _, e := range s.Entries() {
				fmt.Fprintf(tw, "%s\t%s\t%s\n", e.Key, dash(e.Value), e.Origin)
			}
			return tw.Flush()
		},
	}
}

func (a *app) defaultConfigPath(s config.Settings) string {
	if a.configFile != "" {
		return a.configFile
	}
	if v, ok := a.lookupEnv(config.EnvPrefix + "CONFIG"); ok && v != "" {
		return v
	}
	return s.DataDir + "/" + config.ConfigFileName
}
