package config

// Flag is a command-line flag that sets a key. The table of keys (keys.go) declares them, so a
// flag reads its value as the key's type, its errors name the key, and `pindesk config` shows it
// as the key's origin ("flag --listen"), the same as for every other layer.
type Flag struct {
	Command string // "" for a flag every command takes; else the command's name ("serve")
	Name    string // without the dashes: "data-dir", "listen"
	Key     string // the setting it sets: "data_dir", "serve.listen"
	Usage   string
	Type    FlagType
}

// FlagType is how a flag's value is written on the command line.
type FlagType int

const (
	FlagString FlagType = iota
	FlagInt
	FlagFloat
	FlagBool // given alone (--insecure-allow-plaintext) for true
)

func flagType(t valueType) FlagType {
	switch t {
	case typeInt:
		return FlagInt
	case typeFloat:
		return FlagFloat
	case typeBool:
		return FlagBool
	}
	return FlagString
}

// Flags lists the flags of a command ("" for those every command takes), in display order.
func Flags(command string) []Flag {
	var out []Flag
	for _, k := range settings {
		if k.fl != nil && k.fl.Command == command {
			out = append(out, *k.fl)
		}
	}
	return out
}

// flagOrigin is how `pindesk config` and errors name the flag that set key.
func flagOrigin(key string) string {
	if k, ok := lookup(key); ok && k.fl != nil {
		return "flag --" + k.fl.Name
	}
	return ""
}
