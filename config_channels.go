package main

// ChannelConfig is the configuration of the WeChat-style channels.
type ChannelConfig struct{}

func (c *ChannelConfig) applyEnv(env func(string) (string, bool)) error { return nil }

func (c ChannelConfig) validate() error { return nil }
