import Foundation
import Testing
import BerthKit

/// `-t download` against image servers the test builds and serves from a loopback HTTP server
/// (Python's http.server): one in LXC's format (meta/1.0/index-system, rootfs.tar.xz,
/// meta.tar.xz, SHA256SUMS), one in the simplestreams format of Incus's servers
/// (streams/v1/index.json, images.json with sha256, root.tar.xz and incus.tar.xz). The image is
/// a busybox container's rootfs, so the containers made from it really start.
@Suite(.enabled(if: isRoot && FileManager.default.isExecutableFile(atPath: "/usr/bin/python3"), "needs root and python3 (the test's HTTP server)"), .serialized)
struct DownloadTemplateTests {
    func sh(_ box: Sandbox, _ command: String) throws -> String {
        let ran = try box.run(executable: "/bin/sh", ["-c", command])
        try #require(ran.status == 0, "\(command): \(ran.stderr)")
        return ran.stdout
    }

    func sha256(_ box: Sandbox, _ path: String) throws -> String {
        String(try sh(box, "sha256sum '\(path)'").prefix(64))
    }

    /// The two servers' trees under `www`, built from the rootfs of a busybox container.
    func buildServers(_ box: Sandbox, www: String, arch: String) throws {
        try box.ok("create", ["-n", "imagesrc", "-t", "busybox"])
        let rootfs = box.lxcpath + "/imagesrc/rootfs"
        // The image's /etc/hostname and /etc/hosts carry LXC's placeholder.
        _ = try sh(box, "printf 'LXC_NAME\\n' > '\(rootfs)/etc/hostname' && printf '127.0.0.1 localhost\\n127.0.1.1 LXC_NAME\\n' > '\(rootfs)/etc/hosts'")
        let build = "20261205_01:00"
        let lxcDir = "\(www)/lxc/images/busybox/stable/\(arch)/default/\(build)"
        let meta = box.root + "/meta"
        let expiry = Int(Date().timeIntervalSince1970) + 86400
        _ = try sh(box, """
            set -e
            mkdir -p '\(lxcDir)' '\(www)/lxc/meta/1.0' '\(meta)'
            tar --numeric-owner -C '\(rootfs)' -cJf '\(lxcDir)/rootfs.tar.xz' .
            printf 'lxc.include = LXC_TEMPLATE_CONFIG/busybox.common.conf\\nlxc.arch = x86_64\\n' > '\(meta)/config'
            printf 'lxc.include = LXC_TEMPLATE_CONFIG/busybox.common.conf\\nlxc.include = LXC_TEMPLATE_CONFIG/userns.conf\\nlxc.arch = x86_64\\n' > '\(meta)/config-user'
            printf '/etc/hostname\\n/etc/hosts\\n' > '\(meta)/templates'
            printf './dev/*\\n' > '\(meta)/excludes-user'
            printf '\(expiry)\\n' > '\(meta)/expiry'
            printf 'Welcome to the test image.\\n' > '\(meta)/create-message'
            tar -C '\(meta)' -cJf '\(lxcDir)/meta.tar.xz' .
            cd '\(lxcDir)' && sha256sum rootfs.tar.xz meta.tar.xz > SHA256SUMS
            printf 'busybox;stable;\(arch);default;\(build);/images/busybox/stable/\(arch)/default/\(build)/\\n' > '\(www)/lxc/meta/1.0/index-system'
            """)

        // Simplestreams: the same rootfs as release "edge", Incus metadata with templates.
        let ssDir = "\(www)/ss/images/busybox/edge/\(arch)/default/\(build)"
        let incus = box.root + "/incus"
        _ = try sh(box, """
            set -e
            mkdir -p '\(ssDir)' '\(www)/ss/streams/v1' '\(incus)/templates'
            cp '\(lxcDir)/rootfs.tar.xz' '\(ssDir)/root.tar.xz'
            cat > '\(incus)/metadata.yaml' <<'EOF'
            architecture: x86_64
            creation_date: 1764896400
            expiry_date: \(expiry)
            properties:
              os: Busybox
            templates:
              /etc/hostname:
                when:
                  - create
                template: hostname.tpl
              /etc/hosts:
                when:
                  - create
                template: hosts.tpl
            EOF
            printf '{{ instance.name }}\\n' > '\(incus)/templates/hostname.tpl'
            printf '127.0.0.1 localhost\\n{%%- if true %%}\\n127.0.1.1 {{ instance.name }}\\n' > '\(incus)/templates/hosts.tpl'
            tar -C '\(incus)' -cJf '\(ssDir)/incus.tar.xz' .
            """)
        let rootSum = try sha256(box, "\(ssDir)/root.tar.xz"), metaSum = try sha256(box, "\(ssDir)/incus.tar.xz")
        let base = "images/busybox/edge/\(arch)/default/\(build)"
        let index = #"{"format": "index:1.0", "index": {"images": {"datatype": "image-downloads", "path": "streams/v1/images.json", "format": "products:1.0", "products": ["busybox:edge:\#(arch):default"]}}}"#
        let images = #"""
            {"format": "products:1.0", "products": {"busybox:edge:\#(arch):default": {"os": "Busybox", "release": "edge", "arch": "\#(arch)", "variant": "default",
             "versions": {"\#(build)": {"items": {
               "root.tar.xz": {"ftype": "root.tar.xz", "path": "\#(base)/root.tar.xz", "sha256": "\#(rootSum)"},
               "incus.tar.xz": {"ftype": "incus.tar.xz", "path": "\#(base)/incus.tar.xz", "sha256": "\#(metaSum)"}}}}}}}
            """#
        try index.write(toFile: "\(www)/ss/streams/v1/index.json", atomically: true, encoding: .utf8)
        try images.write(toFile: "\(www)/ss/streams/v1/images.json", atomically: true, encoding: .utf8)
        try box.ok("destroy", ["-n", "imagesrc"])
    }

    @Test func bothServerFormatsCacheListAndChecksums() throws {
        let box = try Sandbox()
        let arch = try sh(box, "dpkg --print-architecture").trimmingCharacters(in: .whitespacesAndNewlines)
        let www = box.root + "/www"
        try buildServers(box, www: www, arch: arch)

        let (http, port) = try box.startHTTPServer(directory: www, probe: "/lxc/meta/1.0/index-system")
        defer { box.stopServer(http) }
        let lxcServer = "http://127.0.0.1:\(port)/lxc", ssServer = "http://127.0.0.1:\(port)/ss"

        // LXC's format: hostname and hosts rendered, config applied without LXC's includes,
        // the create message shown, and the container starts with its name.
        let made = try box.ok("create", ["-n", "d1", "-t", "download", "--", "-d", "busybox", "-r", "stable", "--server", lxcServer])
        #expect(made.stdout.contains("Welcome to the test image."), "\(made.stdout)")
        #expect(made.stderr.isEmpty, "no progress when nobody watches (a pipe): \(made.stderr)")
        let rootfs = box.lxcpath + "/d1/rootfs"
        #expect(box.text(rootfs + "/etc/hostname") == "d1\n")
        #expect(box.text(rootfs + "/etc/hosts")?.contains("127.0.1.1 d1\n") == true)
        let config = try #require(box.text(box.lxcpath + "/d1/config"))
        #expect(config.contains("lxc.arch = x86_64") && !config.contains("LXC_TEMPLATE_CONFIG"), "\(config)")
        try box.ok("start", ["-n", "d1"])
        #expect(try box.run("attach", ["-n", "d1", "--", "/bin/hostname"]).stdout == "d1\n")
        try box.ok("stop", ["-n", "d1", "-k"])
        let cache = box.root + "/cache/download/busybox/stable/\(arch)/default"
        #expect(FileManager.default.fileExists(atPath: cache + "/rootfs.tar.xz") && box.text(cache + "/build_id") == "20261205_01:00\n")

        // The cached image serves the next create without the server (a dead address here).
        let cached = try box.run("create", ["-n", "d2", "-t", "download", "--", "-d", "busybox", "-r", "stable", "--server", "http://127.0.0.1:9"])
        #expect(cached.status == 0 && box.text(box.lxcpath + "/d2/rootfs/etc/hostname") == "d2\n", "\(cached.stderr)")
        // --flush-cache goes to the server again: the dead one fails, and nothing is made.
        let flushed = try box.run("create", ["-n", "d3", "-t", "download", "--", "-d", "busybox", "-r", "stable", "--server", "http://127.0.0.1:9", "--flush-cache"])
        #expect(flushed.status != 0 && flushed.stderr.contains("127.0.0.1:9"), "\(flushed.stderr)")
        #expect(!box.entries().contains("d3"))

        // An unprivileged container from it: config-user, and the device nodes left out.
        try box.ok("create", ["-n", "u1", "-t", "download", "--unprivileged", "--", "-d", "busybox", "-r", "stable", "--server", lxcServer])
        #expect(box.text(box.lxcpath + "/u1/config")?.contains("From the image busybox stable") == true)
        try box.ok("start", ["-n", "u1"])
        try box.ok("stop", ["-n", "u1", "-k"])

        // -l lists, through berth-create as with lxc-create, and makes no container.
        let listed = try box.run("create", ["-n", "lister", "-t", "download", "--", "-l", "--server", lxcServer])
        #expect(listed.status == 0 && listed.stdout.contains("busybox") && listed.stdout.contains("stable") && listed.stdout.contains("20261205_01:00"), "\(listed.stdout)\(listed.stderr)")
        #expect(!box.entries().contains("lister"))
        let ssListed = try box.run("create", ["-n", "lister", "-t", "download", "--", "--list", "--server", ssServer])
        #expect(ssListed.stdout.contains("edge"), "\(ssListed.stdout)\(ssListed.stderr)")

        // Simplestreams: sha256 checked, Incus templates rendered, the container starts.
        try box.ok("create", ["-n", "s1", "-t", "download", "--", "-d", "busybox", "-r", "edge", "--server", ssServer])
        #expect(box.text(box.lxcpath + "/s1/rootfs/etc/hostname") == "s1\n")
        #expect(box.text(box.lxcpath + "/s1/rootfs/etc/hosts") == "127.0.0.1 localhost\n127.0.1.1 s1\n", "\(box.text(box.lxcpath + "/s1/rootfs/etc/hosts") ?? "")")
        try box.ok("start", ["-n", "s1"])
        try box.ok("stop", ["-n", "s1", "-k"])

        // A corrupted file fails its checksum and leaves nothing: no container, no staged cache.
        _ = try sh(box, "printf 'garbage' >> '\(www)/ss/images/busybox/edge/\(arch)/default/20261205_01:00/root.tar.xz'")
        let corrupt = try box.run("create", ["-n", "c1", "-t", "download", "--", "-d", "busybox", "-r", "edge", "--server", ssServer, "--flush-cache"])
        #expect(corrupt.status != 0 && corrupt.stderr.contains("checksum mismatch"), "\(corrupt.stderr)")
        #expect(!box.entries().contains("c1") && !box.entries().contains { $0.contains("creating") })
        let leftovers = try sh(box, "find '\(box.root)/cache/download' -name '*.new.*' -o -name '*.old.*'")
        #expect(leftovers.isEmpty, "\(leftovers)")
        // The same on LXC's format (SHA256SUMS).
        _ = try sh(box, "printf 'garbage' >> '\(www)/lxc/images/busybox/stable/\(arch)/default/20261205_01:00/rootfs.tar.xz'")
        let corruptLXC = try box.run("create", ["-n", "c2", "-t", "download", "--", "-d", "busybox", "-r", "stable", "--server", lxcServer, "--flush-cache"])
        #expect(corruptLXC.status != 0 && corruptLXC.stderr.contains("rootfs.tar.xz: checksum mismatch"), "\(corruptLXC.stderr)")
        #expect(!box.entries().contains("c2"))
        // The same LXC image given to -t local in LXC's form (-m META -f ROOTFS): the same
        // templates, config and message, no server.
        // (The cached copy: the server's was corrupted above.)
        _ = try sh(box, "cd '\(cache)' && cp rootfs.tar.xz '\(box.root)/local-rootfs.tar.xz' && cp meta.tar.xz '\(box.root)/local-meta.tar.xz'")
        let local = try box.ok("create", ["-n", "lm", "-t", "local", "--", "-m", box.root + "/local-meta.tar.xz", "-f", box.root + "/local-rootfs.tar.xz"])
        #expect(local.stdout.contains("Welcome to the test image."), "\(local.stdout)")
        #expect(box.text(box.lxcpath + "/lm/rootfs/etc/hostname") == "lm\n")
        let localConfig = box.text(box.lxcpath + "/lm/config") ?? ""
        #expect(localConfig.contains("lxc.arch = x86_64") && !localConfig.contains("LXC_TEMPLATE_CONFIG"), "\(localConfig)")
        // A hostile image: its config may not reach the host (hooks, host paths, networks) and
        // its fstab is not taken; each refusal is named, the rest of the config is applied.
        let hostile = box.root + "/hostile"
        _ = try sh(box, """
            set -e; mkdir -p '\(hostile)'; tar -xJf '\(box.root)/local-meta.tar.xz' -C '\(hostile)'
            printf 'lxc.hook.pre-start = /bin/touch /tmp/owned\\nlxc.mount.entry = /etc etc-host none bind,create=dir 0 0\\nlxc.mount.auto = proc:rw sys:rw\\nlxc.net.0.type = phys\\nlxc.mount.entry = shm dev/shm tmpfs defaults,create=dir 0 0\\n' >> '\(hostile)/config'
            printf '/etc etc-host none bind 0 0\\n' > '\(hostile)/fstab'
            tar -cJf '\(box.root)/hostile-meta.tar.xz' -C '\(hostile)' .
            """)
        let refused = try box.ok("create", ["-n", "lh", "-t", "local", "--", "-m", box.root + "/hostile-meta.tar.xz", "-f", box.root + "/local-rootfs.tar.xz"])
        let hostileConfig = box.text(box.lxcpath + "/lh/config") ?? ""
        for line in ["lxc.hook.pre-start", "lxc.mount.entry = /etc", "proc:rw", "lxc.net.0.type = phys", "lxc.mount.fstab"] {
            #expect(!hostileConfig.contains(line), "\(line) taken from the image: \(hostileConfig)")
        }
        #expect(hostileConfig.contains("lxc.mount.entry = shm dev/shm tmpfs") && hostileConfig.contains("lxc.arch = x86_64"), "\(hostileConfig)")
        for named in ["lxc.hook.pre-start", "lxc.mount.entry = /etc", "proc:rw", "lxc.net.0.type", "the image's fstab"] {
            #expect(refused.stderr.contains(named), "\(named) not named: \(refused.stderr)")
        }
        let notMeta = try box.run("create", ["-n", "lm2", "-t", "local", "--", "-m", box.root + "/local-rootfs.tar.xz", "-f", box.root + "/local-rootfs.tar.xz"])
        #expect(notMeta.status != 0 && notMeta.stderr.contains("has no config"), "\(notMeta.stderr)")
        #expect(!box.entries().contains("lm2"))
        // An unknown image names what the server has.
        let unknown = try box.run("create", ["-n", "x1", "-t", "download", "--", "-d", "nosuch", "-r", "stable", "--server", lxcServer])
        #expect(unknown.status != 0 && unknown.stderr.contains("has no image nosuch stable"), "\(unknown.stderr)")
        for name in ["d1", "u1", "s1"] { box.expectClean(name) }
    }
}
