import Foundation
import Testing
import BerthKit

/// berth-diff on an overlay clone, and berth-export's round trip: a container changed, exported,
/// and made again from the export with -t local, -t download (the export served as a download
/// server's build directory) and -t oci (a snapshot exported with --oci), with the same files.
@Suite(.enabled(if: isRoot, "needs root"), .serialized)
struct ExportDiffTests {
    func sh(_ box: Sandbox, _ command: String) throws -> String {
        let ran = try box.run(executable: "/bin/sh", ["-c", command])
        try #require(ran.status == 0, "\(command): \(ran.stdout)\(ran.stderr)")
        return ran.stdout
    }

    @Test func diffThenExportAndCreateFromTheExport() throws {
        let box = try Sandbox()
        try box.ok("create", ["-n", "base", "-t", "busybox"])
        // A name that is not UTF-8 in the origin (0xff), changed in the clone, and a new one.
        _ = try sh(box, "mkdir '\(box.lxcpath)/base/rootfs/odd' && touch \"\(box.lxcpath)/base/rootfs/odd/$(printf 'l\\377')\"")
        try box.ok("copy", ["-n", "base", "-N", "clone", "-s"])
        try box.ok("start", ["-n", "clone"])
        let changed = try box.run("attach", ["-n", "clone", "--", "/bin/sh", "-c",
                                             "echo hi > /root/new.txt && rm /etc/fstab && echo '# changed' >> /etc/inittab && mkdir -p /opt/app"
                                             + " && echo x >> \"/odd/$(printf 'l\\377')\" && touch \"/odd/$(printf 'n\\376')\""])
        #expect(changed.status == 0, "\(changed.stderr)")

        // berth-diff while it runs (frozen for the read), as text and JSON; a name that is not
        // UTF-8 is looked up by its bytes and shown with U+FFFD.
        let diff = try box.ok("diff", ["-n", "clone"]).stdout
        for line in ["A /root/new.txt", "D /etc/fstab", "C /etc/inittab", "C /etc", "A /opt/app", "C /odd/l\u{FFFD}", "A /odd/n\u{FFFD}"] {
            #expect(diff.split(separator: "\n").contains(Substring(line)), "\(line) in:\n\(diff)")
        }
        #expect(try box.run("info", ["-n", "clone", "-sH"]).stdout == "RUNNING\n", "thawed after the diff")
        let listed = try #require(try json(box.ok("diff", ["-n", "clone", "--format", "json"]).stdout) as? [[String: String]])
        #expect(listed.contains { $0["change"] == "deleted" && $0["path"] == "/etc/fstab" })
        let notOverlay = try box.run("diff", ["-n", "base"])
        #expect(notOverlay.status != 0 && notOverlay.stderr.contains("not an overlay clone"), "\(notOverlay.stderr)")

        // Export the running clone: frozen while read, running after.
        let image = box.root + "/image"
        try box.ok("export", ["-n", "clone", "-o", image])
        #expect(try box.run("info", ["-n", "clone", "-sH"]).stdout == "RUNNING\n")
        try box.ok("stop", ["-n", "clone", "-k"])
        _ = try sh(box, "cd '\(image)' && sha256sum -c SHA256SUMS >/dev/null")
        let files = try sh(box, "tar -tJf '\(image)/rootfs.tar.xz'")
        #expect(files.contains("./root/new.txt") && !files.contains("./etc/fstab\n"), "the merged view, deletions applied")
        #expect(try sh(box, "tar -xOJf '\(image)/rootfs.tar.xz' ./etc/hostname") == "LXC_NAME\n")
        #expect(try sh(box, "tar -xOJf '\(image)/meta.tar.xz' ./templates") == "/etc/hostname\n/etc/hosts\n")
        let imageConfig = try sh(box, "tar -xOJf '\(image)/meta.tar.xz' ./config")
        #expect(!imageConfig.contains("lxc.rootfs.path") && !imageConfig.contains("lxc.uts.name") && imageConfig.contains("lxc.mount.auto"), "\(imageConfig)")
        let again = try box.run("export", ["-n", "clone", "-o", image])
        #expect(again.status != 0 && again.stderr.contains("exists"), "\(again.stderr)")

        // -t local from the export: the same files, its own name.
        try box.ok("create", ["-n", "fromlocal", "-t", "local", "--", "--file", image + "/rootfs.tar.xz"])
        let local = box.lxcpath + "/fromlocal/rootfs"
        #expect(box.text(local + "/root/new.txt") == "hi\n" && !FileManager.default.fileExists(atPath: local + "/etc/fstab"))
        #expect(box.text(local + "/etc/inittab") == box.text(box.lxcpath + "/base/rootfs/etc/inittab").map { $0 + "# changed\n" })
        #expect(box.text(local + "/etc/hostname") == "fromlocal\n")
        try box.ok("start", ["-n", "fromlocal"])
        #expect(try box.run("attach", ["-n", "fromlocal", "--", "/bin/cat", "/root/new.txt"]).stdout == "hi\n")
        try box.ok("stop", ["-n", "fromlocal", "-k"])

        // -t download from the export served as a build directory of LXC's image format.
        let arch = try sh(box, "dpkg --print-architecture").trimmingCharacters(in: .whitespacesAndNewlines)
        let www = box.root + "/www"
        _ = try sh(box, """
            mkdir -p '\(www)/meta/1.0' '\(www)/images/exported/1/\(arch)/default' && cp -r '\(image)' '\(www)/images/exported/1/\(arch)/default/b1' \
            && printf 'exported;1;\(arch);default;b1;/images/exported/1/\(arch)/default/b1/\\n' > '\(www)/meta/1.0/index-system'
            """)
        let (http, port) = try box.startHTTPServer(directory: www, probe: "/meta/1.0/index-system")
        defer { box.stopServer(http) }
        try box.ok("create", ["-n", "fromdl", "-t", "download", "--", "-d", "exported", "-r", "1", "--server", "http://127.0.0.1:\(port)"])
        #expect(box.text(box.lxcpath + "/fromdl/rootfs/etc/hostname") == "fromdl\n")
        #expect(box.text(box.lxcpath + "/fromdl/rootfs/root/new.txt") == "hi\n")

        // A snapshot exported with --oci, run with -t oci.
        if ["/usr/bin/umoci", "/usr/bin/skopeo", "/usr/bin/jq"].allSatisfy({ FileManager.default.isExecutableFile(atPath: $0) }) {
            try box.ok("snapshot", ["-n", "clone"])
            let ociImage = box.root + "/oci-image"
            try box.ok("export", ["-n", "clone", "--snapshot", "snap0", "--oci", "-o", ociImage])
            try box.ok("create", ["-n", "fromoci", "-t", "oci", "--", "--url", "oci:\(ociImage)/oci:latest"])
            let ran = try box.run("execute", ["-n", "fromoci", "--", "/bin/cat", "/root/new.txt"])
            #expect(ran.status == 0 && ran.stdout == "hi\n", "\(ran.stdout)\(ran.stderr)")
        }
        let noSnapshot = try box.run("export", ["-n", "clone", "--snapshot", "snap9", "-o", box.root + "/x"])
        #expect(noSnapshot.status != 0 && noSnapshot.stderr.contains("no snapshot snap9") && !FileManager.default.fileExists(atPath: box.root + "/x"))
        #expect(!((try? FileManager.default.contentsOfDirectory(atPath: box.root)) ?? []).contains { $0.contains(".export-") }, "no staging left")
        for name in ["clone", "fromlocal"] { box.expectClean(name) }
    }
}
