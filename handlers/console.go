package handlers

import "github.com/gin-gonic/gin"

// ConsoleDeps configure the staff console, the staff API and the manager
// dashboard.
type ConsoleDeps struct{}

// consoleRoutes registers the console, staff API and dashboard endpoints.
func (s *Server) consoleRoutes(r *gin.Engine) {}
