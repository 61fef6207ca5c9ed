package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"frontdoor/bot/staff"
)

// staffEnv is what the user command works on: the store, the knowledge
// base users are validated against, and how to let go of both.
type staffEnv struct {
	store *staff.Store
	dir   staff.Directory
	close func()
}

// staffOpener connects to the configured Redis and loads the knowledge
// base; tests pass their own.
type staffOpener func(ctx context.Context, configFile string) (*staffEnv, error)

// runUser manages console users: user add|passwd|disable|enable|list.
func runUser(args []string, stdout, stderr io.Writer) error {
	return userCommand(args, os.Stdin, stdout, stderr, openStaff)
}

const userSynopsis = `user add --name NAME --role staff|manager|admin|editor [--unit UNIT] [--region REGION] [--tenant T]
       frontdoor user passwd --name NAME
       frontdoor user disable|enable --name NAME
       frontdoor user list [--json]

add and passwd read the password from standard input (one line, at least 8 characters).`

// userCommand runs a user subcommand with its input and store injected.
func userCommand(args []string, stdin io.Reader, stdout, stderr io.Writer, open staffOpener) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprintln(stderr, "usage: frontdoor "+userSynopsis)
		if len(args) == 0 {
			return errUsage
		}
		return nil
	}
	sub := args[0]
	fs := newFlags("user "+sub, userSynopsis, stderr)
	configFile := fs.String("config", "", "YAML configuration file; env FRONTDOOR_CONFIG")
	var u staff.User
	fs.StringVar(&u.Name, "name", "", "user name (letters, digits, . _ @ -)")
	role := fs.String("role", "", "staff, manager or admin (add)")
	fs.StringVar(&u.Unit, "unit", "", "the unit a staff member works for, as the documents name it (add)")
	fs.StringVar(&u.Region, "region", "", "the region of a staff member or manager (add)")
	fs.StringVar(&u.Tenant, "tenant", staff.DefaultTenant, "the tenant whose tickets the user works (add)")
	asJSON := fs.Bool("json", false, "list as JSON lines")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	u.Role = staff.Role(*role)
	switch sub {
	case "add", "passwd", "disable", "enable":
		if strings.TrimSpace(u.Name) == "" {
			fmt.Fprintln(stderr, "frontdoor user "+sub+": --name is required")
			return errUsage
		}
	case "list":
	default:
		fmt.Fprintf(stderr, "frontdoor user: unknown subcommand %q\nusage: frontdoor %s\n", sub, userSynopsis)
		return errUsage
	}
	ctx := context.Background()
	env, err := open(ctx, *configFile)
	if err != nil {
		return err
	}
	defer env.close()
	switch sub {
	case "add":
		return addUser(ctx, env, u, stdin, stdout, stderr)
	case "passwd":
		return changePassword(ctx, env, u.Name, stdin, stdout, stderr)
	case "disable", "enable":
		if err := env.store.SetDisabled(ctx, u.Name, sub == "disable"); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "user %s %sd\n", u.Name, sub)
		return nil
	}
	return listUsers(ctx, env, *asJSON, stdout)
}

// addUser validates a new user against the knowledge base and stores it.
func addUser(ctx context.Context, env *staffEnv, u staff.User, stdin io.Reader, stdout, stderr io.Writer) error {
	warnings, err := u.Validate(env.dir)
	if err != nil {
		return err
	}
	for _, w := range warnings {
		fmt.Fprintln(stderr, "warning:", w)
	}
	password, err := readPassword(stdin, stderr)
	if err != nil {
		return err
	}
	if err := env.store.Add(ctx, u, password); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "user %s added: %s%s%s\n", u.Name, u.Role, suffix(" unit ", u.Unit), suffix(" region ", u.Region))
	return nil
}

func changePassword(ctx context.Context, env *staffEnv, name string, stdin io.Reader, stdout, stderr io.Writer) error {
	if _, err := env.store.Get(ctx, name); err != nil {
		return err
	}
	password, err := readPassword(stdin, stderr)
	if err != nil {
		return err
	}
	if err := env.store.SetPassword(ctx, name, password); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "password of %s changed; their sessions were ended\n", name)
	return nil
}

func listUsers(ctx context.Context, env *staffEnv, asJSON bool, stdout io.Writer) error {
	users, err := env.store.List(ctx)
	if err != nil {
		return err
	}
	if asJSON {
		enc := json.NewEncoder(stdout)
		for _, u := range users {
			if err := enc.Encode(u); err != nil {
				return err
			}
		}
		return nil
	}
	for _, u := range users {
		state := ""
		if u.Disabled {
			state = " (disabled)"
		}
		fmt.Fprintf(stdout, "%s\t%s\t%s\t%s\t%s%s\n", u.Name, u.Role, dashIfEmpty(u.Unit), dashIfEmpty(u.Region), u.Tenant, state)
	}
	return nil
}

// readPassword reads one line from standard input, so that a password
// never appears in the process list or the shell history. A terminal gets
// a prompt on stderr.
func readPassword(stdin io.Reader, stderr io.Writer) (string, error) {
	if f, ok := stdin.(*os.File); ok {
		if info, err := f.Stat(); err == nil && info.Mode()&os.ModeCharDevice != 0 {
			fmt.Fprint(stderr, "password: ")
		}
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read password from standard input: %w", err)
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", errors.New("no password on standard input: pipe it in, e.g. `printf '%s\\n' \"$PW\" | frontdoor user add …`")
	}
	if err := staff.CheckPassword(line); err != nil {
		return "", err
	}
	return line, nil
}

// openStaff connects to the configured Redis (starting the embedded one
// when REDIS_URL is unset, which fails while a server holds it) and loads
// the knowledge base.
func openStaff(ctx context.Context, configFile string) (*staffEnv, error) {
	a, err := openApp(ctx, configFile)
	if err != nil {
		return nil, err
	}
	return &staffEnv{store: a.Staff, dir: a.Engine.KB(), close: a.close}, nil
}

// openApp builds the service for a command-line tool, quietly.
func openApp(ctx context.Context, configFile string) (*app, error) {
	cfg, err := LoadConfig(configFile, os.LookupEnv)
	if err != nil {
		return nil, err
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	a, err := newApp(ctx, cfg, newLogger("error"))
	if err != nil {
		if cfg.RedisURL == "" {
			return nil, fmt.Errorf("%w\n(without REDIS_URL this command starts the embedded Redis, which a running server holds: stop the server, or run both with REDIS_URL)", err)
		}
		return nil, err
	}
	return a, nil
}

func suffix(label, v string) string {
	if v == "" {
		return ""
	}
	return label + v
}

func dashIfEmpty(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
