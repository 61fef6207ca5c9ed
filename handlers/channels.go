package handlers

import "github.com/gin-gonic/gin"

// ChannelDeps configure the WeChat Official Account and WeCom channels and
// the web chat.
type ChannelDeps struct{}

// channelRoutes registers the channel endpoints.
func (s *Server) channelRoutes(r *gin.Engine) {}
