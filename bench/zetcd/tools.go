//go:build tools

package tools

import _ "github.com/coreos/zetcd/cmd/zetcd"
