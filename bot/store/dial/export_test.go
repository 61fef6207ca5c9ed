package dial

// NodeUnreachable exposes nodeUnreachable to the external tests.
var NodeUnreachable = nodeUnreachable
