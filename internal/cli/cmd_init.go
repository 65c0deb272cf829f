package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/pindesk/pindesk/config"
	"github.com/pindesk/pindesk/store/secret"
)

func (a *app) initCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "init",
		Short: "Create the database and its key: the first step of an installation",
		Long: `init creates an empty SQLite database in the data folder (or at --database) and the key file
that seals its PINs (mode 600, kept apart from the database). pindesk creates a database only
here and in the first 'pindesk admin import', so that the app or a server pointed at the wrong
folder says so instead of opening an empty database. An existing database is never replaced.

On PostgreSQL it creates the tables with the key file 'pindesk admin key init' made.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := a.settings()
			if err != nil {
				return err
			}
			if s.Remote() {
				return fmt.Errorf("init creates a database on this machine, but the server setting (%s) points it at a pindesk server: unset server for this command (--server= or PINDESK_SERVER=)", s.Server)
			}
			if !s.UsesPostgres() && sqliteExists(s.Database) {
				return fmt.Errorf("the database %s exists; nothing changed (init never replaces a database)", s.Database)
			}
			_, st, err := openCore(cmd.Context(), s, orCreate)
			if err != nil {
				return err
			}
			defer st.Close()
			key, _, err := loadKey(s.KeyFile)
			if err != nil {
				return err
			}
			id := secret.KeyID(secret.CheckValue(key))
			if s.UsesPostgres() {
				fmt.Fprintf(a.out, "The PostgreSQL database %s is ready, on the key in %s (key id %s).\n", config.RedactDatabase(s.Database), s.KeyFile, id)
			} else {
				fmt.Fprintf(a.out, "Created the database %s and its key file %s (key id %s). Back the key file up apart from the database: without it no PIN in the database can be checked.\n", s.Database, s.KeyFile, id)
			}
			fmt.Fprintln(a.out, "Next, import the accounts: pindesk admin import FILE")
			return nil
		},
	}
}
