package wxapi

// WeChatAccount is one Official Account as it is configured: the callback
// side (token, AES key, AppID as the receiver of encrypted messages), the
// push side (AppID and Secret) and whose businesses it serves.
type WeChatAccount struct {
	// Name is the account's path segment: /wechat/<name>.
	Name string `yaml:"name"`
	// Token is the callback token from the platform console.
	Token string `yaml:"token"`
	// AESKey is the EncodingAESKey (43 characters) for compatible and safe
	// mode; empty for plaintext mode.
	AESKey string `yaml:"aes_key"`
	// AppID is the receiver id of encrypted messages and, with Secret,
	// the credentials for pushing replies.
	AppID  string `yaml:"app_id"`
	Secret string `yaml:"secret"`
	// Region fixes the region of the account's businesses (optional).
	Region string `yaml:"region"`
	// Tenant owns the account's tickets and sessions (default "demo").
	Tenant string `yaml:"tenant"`
}

// WeComAccount is one WeCom app as it is configured.
type WeComAccount struct {
	// Name is the app's path segment: /wecom/<name>.
	Name   string `yaml:"name"`
	Token  string `yaml:"token"`
	AESKey string `yaml:"aes_key"`
	// CorpID is the corporation id, the receiver of encrypted messages.
	CorpID string `yaml:"corp_id"`
	// AgentID is the app's id, needed to push replies.
	AgentID string `yaml:"agent_id"`
	Secret  string `yaml:"secret"`
	Region  string `yaml:"region"`
	Tenant  string `yaml:"tenant"`
}
