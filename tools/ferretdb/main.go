// Command ferretdb runs FerretDB 1.24.2 through its embeddable package.
//
// FerretDB's own cmd/ferretdb cannot be built outside its repository (it
// panics on a missing build/version/version.txt), so ISHC Chat ships this
// small wrapper. It speaks the MongoDB wire protocol on -listen and stores
// data in PostgreSQL (-postgresql-url) or, when that is empty, in SQLite
// files under -sqlite-dir.
package main

import (
	"context"
	"flag"
	"log"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:27017", "TCP address to listen on")
	postgresURL := flag.String("postgresql-url", "", "PostgreSQL URL; empty selects the SQLite backend")
	sqliteDir := flag.String("sqlite-dir", "data/ferretdb", "folder for SQLite files")
	flag.Parse()

	cfg := ferretdb.Config{Listener: ferretdb.ListenerConfig{TCP: *listen}}
	if *postgresURL != "" {
		cfg.Handler = "postgresql"
		cfg.PostgreSQLURL = *postgresURL
	} else {
		dir, err := filepath.Abs(*sqliteDir)
		if err != nil {
			log.Fatal(err)
		}
		if err := os.MkdirAll(dir, 0o700); err != nil {
			log.Fatal(err)
		}
		cfg.Handler = "sqlite"
		cfg.SQLiteURL = "file:" + dir + "/"
	}

	server, err := ferretdb.New(&cfg)
	if err != nil {
		log.Fatal(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log.Printf("ferretdb listening on %s (%s backend)", *listen, cfg.Handler)
	server.Run(ctx)
}
