import Foundation
import Testing
import BerthKit

/// The package `make deb` builds, as an administrator meets it (run by `make deb-check`, which
/// names it in BERTH_DEB): lintian finds no error or warning; `dpkg -i` installs it for real on
/// this machine; a container is created, started, entered and destroyed with the packaged
/// binary, templates and /etc/berth files; the units, completion and manual pages are where
/// systemd, bash-completion and man look; an upgrade over itself keeps an edited conffile;
/// `dpkg -r` removes the files and keeps the admin's /etc/berth, `--purge` removes that too.
@Suite(.enabled(if: isRoot && ProcessInfo.processInfo.environment["BERTH_DEB"] != nil, "run by make deb-check (BERTH_DEB names the package)"), .serialized)
struct DebianPackageTests {
    @Test func installsWorksUpgradesAndRemovesCleanly() throws {
        let box = try Sandbox()
        let package = try #require(ProcessInfo.processInfo.environment["BERTH_DEB"])
        func sh(_ command: String) throws -> RunResult { try box.run(executable: "/bin/sh", ["-c", command]) }

        // A Berth installed some other way would be overwritten and then removed by this test.
        let packaged = try sh("dpkg-query -W -f='${Status}' berth 2>/dev/null").stdout.contains("install ok installed")
        try #require(packaged || (!FileManager.default.fileExists(atPath: "/usr/bin/berth") && !FileManager.default.fileExists(atPath: "/etc/berth")),
                     "this machine has a Berth that dpkg did not install (/usr/bin/berth or /etc/berth); the test would remove it")

        let lint = try sh("lintian --fail-on error,warning '\(package)' 2>&1 | grep -v 'running with root privileges'")
        #expect(lint.stdout.isEmpty, "lintian: \(lint.stdout)")

        let installed = try sh("dpkg -i '\(package)'")
        try #require(installed.status == 0, "\(installed.stdout)\(installed.stderr)")
        defer { _ = try? sh("dpkg --purge berth") }
        for path in ["/usr/bin/berth", "/usr/bin/berth-start", "/usr/bin/berth-net", "/usr/share/berth/templates/berth-debian",
                     "/lib/systemd/system/berth.service", "/lib/systemd/system/berth@.service", "/lib/systemd/system/berth-net.service",
                     "/usr/share/bash-completion/completions/berth-attach", "/usr/share/man/man1/berth-start.1.gz",
                     "/usr/share/man/man5/berth.container.conf.5.gz", "/etc/berth/berth.conf", "/etc/berth/default.conf",
                     "/usr/share/doc/berth/copyright"] {
            #expect(FileManager.default.fileExists(atPath: path), "\(path) installed")
        }
        #expect(try sh("grep -q '^ExecStart=/usr/bin/berth-net start' /lib/systemd/system/berth-net.service").status == 0)

        // The packaged tools and files, with the packaged /etc/berth copied so the managed
        // bridge is one of the test's own (the host's berthbr0 stays untouched).
        let bridge = "btpkg" + String(UUID().uuidString.prefix(4)).lowercased()
        let config = box.configDirectory
        _ = try sh("cp /etc/berth/berth.conf /etc/berth/default.conf '\(config)/' && printf 'berth.net.bridge = \(bridge)\\nberth.net.ipv4 = 10.209.0.1/24\\n' >> '\(config)/berth.conf' && sed -i 's/berthbr0/\(bridge)/' '\(config)/default.conf'")
        defer {
            _ = try? box.run(executable: "/usr/bin/berth-net", ["stop"])
            _ = try? sh("ip link del \(bridge) 2>/dev/null")
        }
        let lxcpath = box.lxcpath
        for arguments in [["berth-create", "-n", "pkg", "-t", "busybox"], ["berth-start", "-n", "pkg"]] {
            let ran = try box.run(executable: "/usr/bin/" + arguments[0], Array(arguments.dropFirst()) + ["-P", lxcpath])
            try #require(ran.status == 0, "\(arguments): \(ran.stderr)")
        }
        let inside = try box.run(executable: "/usr/bin/berth-attach", ["-n", "pkg", "-P", lxcpath, "--", "/bin/sh", "-c", "hostname; cat /proc/self/uid_map"])
        #expect(inside.status == 0 && inside.stdout.hasPrefix("pkg\n") && !inside.stdout.contains("         0          0"), "unprivileged by default: \(inside.stdout)\(inside.stderr)")
        #expect(try box.run(executable: "/usr/bin/berth-stop", ["-n", "pkg", "-P", lxcpath, "-k"]).status == 0)
        #expect(try box.run(executable: "/usr/bin/berth-destroy", ["-n", "pkg", "-P", lxcpath]).status == 0)

        // An upgrade (the same package again) keeps the admin's edit of a conffile.
        _ = try sh("echo '# edited by the admin' >> /etc/berth/berth.conf")
        let upgraded = try sh("dpkg -i --force-confold '\(package)'")
        #expect(upgraded.status == 0, "\(upgraded.stderr)")
        #expect(try sh("grep -q 'edited by the admin' /etc/berth/berth.conf").status == 0, "an edited conffile survives an upgrade")

        // Remove: the files go, the admin's /etc/berth stays; purge takes that too.
        let removed = try sh("dpkg -r berth")
        #expect(removed.status == 0, "\(removed.stderr)")
        for path in ["/usr/bin/berth", "/usr/bin/berth-start", "/usr/share/berth", "/lib/systemd/system/berth.service", "/usr/share/bash-completion/completions/berth"] {
            #expect(!FileManager.default.fileExists(atPath: path), "\(path) removed")
        }
        #expect(FileManager.default.fileExists(atPath: "/etc/berth/berth.conf"), "dpkg -r keeps the conffiles")
        #expect(try sh("dpkg --purge berth").status == 0)
        #expect(!FileManager.default.fileExists(atPath: "/etc/berth"), "purge removes /etc/berth")
    }
}
