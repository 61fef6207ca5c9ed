package dial

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/redis/go-redis/v9"
)

// UseLogger sends go-redis's own messages (a pool that cannot dial, a
// sentinel that changed its mind) to log as warnings, instead of the
// plain-text lines it writes to standard error by default, which would
// break a JSON log apart. go-redis has one logger per process, so this is
// called once, where the process's logger is made.
func UseLogger(log *slog.Logger) { redis.SetLogger(slogLogger{log}) }

type slogLogger struct{ log *slog.Logger }

func (l slogLogger) Printf(ctx context.Context, format string, v ...any) {
	l.log.WarnContext(ctx, strings.TrimSpace(fmt.Sprintf(format, v...)), "component", "go-redis")
}
