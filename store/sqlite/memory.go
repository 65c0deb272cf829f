package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
)

// memoryImage is a private in-memory database after every migration, made once per process and
// copied into each new one: migrating costs about 5 ms of CPU (SQLite re-reads the whole schema
// after every ALTER TABLE), and the test suites open in-memory stores by the hundred.
var memoryImage struct {
	once sync.Once
	img  []byte
	err  error
}

// serializer and deserializer are the modernc.org/sqlite connection's own methods, reached
// through database/sql's Conn.Raw.
type serializer interface{ Serialize() ([]byte, error) }
type deserializer interface{ Deserialize([]byte) error }

// migrateMemory gives w's one connection a migrated schema by copying the process's image in.
func migrateMemory(ctx context.Context, w *sql.DB, o options) error {
	memoryImage.once.Do(func() {
		// Not the first caller's context: its cancellation must not be kept as every later one's error.
		memoryImage.img, memoryImage.err = migratedMemory(context.WithoutCancel(ctx), o)
	})
	if memoryImage.err != nil {
		return memoryImage.err
	}
	conn, err := w.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		d, ok := dc.(deserializer)
		if !ok {
			return errors.New("the SQLite driver cannot load a database image")
		}
		return d.Deserialize(memoryImage.img)
	})
}

// migratedMemory migrates a new in-memory database and returns its bytes.
func migratedMemory(ctx context.Context, o options) ([]byte, error) {
	db, err := sql.Open("sqlite", dsn(Memory, true, o, false))
	if err != nil {
		return nil, err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if err := migrate(ctx, db); err != nil {
		return nil, err
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	var img []byte
	err = conn.Raw(func(dc any) error {
		s, ok := dc.(serializer)
		if !ok {
			return errors.New("the SQLite driver cannot copy a database image")
		}
		img, err = s.Serialize()
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("copy the migrated in-memory database: %w", err)
	}
	return img, nil
}
