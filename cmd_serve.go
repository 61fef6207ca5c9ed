package main

import (
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/gin-gonic/gin"

	"frontdoor/bot/ticket"
	"frontdoor/handlers"
)

// runServe serves until SIGINT or SIGTERM, then drains in-flight requests,
// stops the scheduler and closes Redis.
func runServe(args []string, _, stderr io.Writer) error {
	fs := newFlags("serve", "serve [--config file.yaml]", stderr)
	configFile := fs.String("config", "", "YAML configuration file (tenants, channel accounts); env FRONTDOOR_CONFIG")
	if err := parse(fs, args); err != nil {
		return err
	}
	cfg, err := LoadConfig(*configFile, os.LookupEnv)
	if err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	log := newLogger(cfg.LogLevel)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	a, err := newApp(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.close()

	gin.SetMode(gin.ReleaseMode)
	srv := handlers.New(a.httpDeps(ctx.Done()))
	httpSrv := &http.Server{Addr: cfg.Addr, Handler: srv.Handler(), ReadTimeout: cfg.ReadTimeout,
		ReadHeaderTimeout: cfg.ReadTimeout, WriteTimeout: cfg.WriteTimeout, IdleTimeout: cfg.IdleTimeout}

	var wg sync.WaitGroup
	bg, cancelBG := context.WithCancel(context.Background())
	defer cancelBG()
	sched := &ticket.Scheduler{Store: a.Tickets, Tenants: a.tenantIDs, Notify: a.Engine.ClockNotifier(),
		Logger: log, Interval: cfg.SchedulerInterval}
	wg.Add(6)
	go func() { defer wg.Done(); flushUse(bg, a, useInterval) }()
	go func() { defer wg.Done(); pushBenefits(bg, a, benefitsInterval) }()
	go func() { defer wg.Done(); sched.Run(bg) }()
	go func() { defer wg.Done(); followEdits(bg, a, editsInterval) }()
	go func() { defer wg.Done(); a.Alerts.Run(bg, a.tenantIDs) }()
	go func() { defer wg.Done(); reloadOnHangup(bg, a) }()

	errc := make(chan error, 2)
	go func() {
		log.Info("serving", "addr", cfg.Addr, "version", version)
		errc <- httpSrv.ListenAndServe()
	}()
	var metricsSrv *http.Server
	if cfg.MetricsAddr != "" {
		metricsSrv = &http.Server{Addr: cfg.MetricsAddr, Handler: srv.MetricsHandler(), ReadHeaderTimeout: cfg.ReadTimeout,
			WriteTimeout: cfg.WriteTimeout}
		go func() {
			log.Info("serving metrics", "addr", cfg.MetricsAddr)
			errc <- metricsSrv.ListenAndServe()
		}()
	}
	select {
	case err := <-errc:
		_ = httpSrv.Close()
		if metricsSrv != nil {
			_ = metricsSrv.Close()
		}
		cancelBG()
		wg.Wait()
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: draining requests")
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	err = httpSrv.Shutdown(sctx)
	if metricsSrv != nil {
		_ = metricsSrv.Shutdown(sctx)
	}
	if derr := a.Desk.Drain(sctx); derr != nil {
		log.Warn("background work still running at shutdown", "err", derr)
	}
	cancelBG()
	wg.Wait()
	if ferr := a.Engine.FlushUse(sctx); ferr != nil {
		log.Warn("item use counts not added at shutdown", "err", ferr)
	}
	if werr := a.snapshots.Wait(sctx); werr != nil {
		log.Warn("knowledge-base snapshot not written before shutdown; the next start rebuilds", "err", werr)
	}
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("stopped")
	return nil
}

// editsInterval is how often a server looks for the editors' changes,
// benefitsInterval for benefits added to the catalogue, useInterval how
// often it adds the item-use counts it gathered to Redis.
const (
	editsInterval    = 2 * time.Second
	benefitsInterval = 30 * time.Second
	useInterval      = time.Second
)

// flushUse adds the item-use counts to Redis every interval.
func flushUse(ctx context.Context, a *app, interval time.Duration) {
	every(ctx, interval, func() {
		if err := a.Engine.FlushUse(ctx); err != nil && ctx.Err() == nil {
			a.log.Warn("item use counts", "err", err)
		}
	})
}

// every calls f every interval until ctx is done.
func every(ctx context.Context, interval time.Duration, f func()) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			f()
		}
	}
}

// pushBenefits tells businesses of 免申即享 benefits added since the last
// look, on every replica (each benefit is claimed by one).
func pushBenefits(ctx context.Context, a *app, interval time.Duration) {
	push := func() {
		for _, tenant := range a.tenantIDs() {
			if n, err := a.Engine.PushNewBenefits(ctx, tenant); err != nil && ctx.Err() == nil {
				a.log.Warn("new benefits", "tenant", tenant, "err", err)
			} else if n > 0 {
				a.log.Info("businesses told of new benefits", "tenant", tenant, "businesses", n)
			}
		}
	}
	push()
	every(ctx, interval, push)
}

// reloadOnHangup reloads documents and catalogue on SIGHUP; a failed
// reload keeps the running knowledge base.
func reloadOnHangup(ctx context.Context, a *app) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
			if b, err := a.lib.Reload(); err != nil {
				a.log.Error("reload failed; keeping the previous knowledge base", "err", err)
			} else {
				a.log.Info("reloaded", "documents", len(b.Docs), "items", len(b.Items))
			}
		}
	}
}
