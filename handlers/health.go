package handlers

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"frontdoor/bot/fault"
)

// healthz says the process is up.
func (s *Server) healthz(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"status": "ok"})
}

// readyz says whether the server can do its work: Redis answers and the
// knowledge base is loaded. Load balancers take replicas out on red.
func (s *Server) readyz(c *gin.Context) error {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
	defer cancel()
	if s.ready != nil {
		if err := s.ready(ctx); err != nil {
			return fault.Wrap(fault.Unavailable, "not_ready", "not ready: "+err.Error(), err)
		}
	}
	c.JSON(http.StatusOK, gin.H{"status": "ready"})
	return nil
}
