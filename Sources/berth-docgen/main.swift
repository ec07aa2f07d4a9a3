// berth-docgen: prints berth.container.conf(5) rendered from Berth's key table.
// Used by `make man`; not installed.
import BerthKit

print(ConfigManual.render(), terminator: "")
