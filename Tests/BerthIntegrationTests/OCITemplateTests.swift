import Foundation
import Testing
import BerthKit

/// `-t oci` with an image the test builds with umoci from the host's static busybox: the image's
/// command, environment, user and working directory become the container's, and it runs with
/// berth-start and berth-execute; from an OCI layout, an oci-archive and a docker-archive.
@Suite(.enabled(if: isRoot && ["/usr/bin/skopeo", "/usr/bin/umoci", "/usr/bin/jq"].allSatisfy { FileManager.default.isExecutableFile(atPath: $0) },
                "needs root, skopeo, umoci and jq"), .serialized)
struct OCITemplateTests {
    func sh(_ box: Sandbox, _ command: String) throws -> String {
        let ran = try box.run(executable: "/bin/sh", ["-c", command])
        try #require(ran.status == 0, "\(command): \(ran.stdout)\(ran.stderr)")
        return ran.stdout
    }

    /// An OCI layout at `layout` (tag latest): busybox, a command that records its environment,
    /// user id and directory in /tmp/out and then waits, ending on SIGTERM (as PID 1 a program
    /// gets no signal it has no handler for, so a well-made image's command handles it).
    func buildImage(_ box: Sandbox, layout: String) throws {
        let bundle = box.root + "/bundle"
        let busybox = ["/bin/busybox", "/usr/bin/busybox"].first { FileManager.default.isExecutableFile(atPath: $0) } ?? "/bin/busybox"
        _ = try sh(box, """
            set -e
            umoci init --layout '\(layout)'
            umoci new --image '\(layout):latest'
            umoci unpack --image '\(layout):latest' '\(bundle)'
            mkdir -p '\(bundle)/rootfs/bin' '\(bundle)/rootfs/tmp' '\(bundle)/rootfs/etc'
            chmod 1777 '\(bundle)/rootfs/tmp'
            cp '\(busybox)' '\(bundle)/rootfs/bin/busybox'
            for applet in sh echo id pwd sleep cat hostname; do ln -s busybox '\(bundle)/rootfs/bin/'$applet; done
            umoci repack --image '\(layout):latest' '\(bundle)'
            umoci config --image '\(layout):latest' --config.entrypoint /bin/sh --config.entrypoint -c \
                --config.cmd 'echo "$GREETING $(id -u) $(pwd)" > /tmp/out; trap "exit 0" TERM; sleep 600 & wait' \
                --config.env 'GREETING=hello oci' --config.env PATH=/bin --config.user 1000:1000 --config.workingdir /tmp
            """)
    }

    @Test func imagesRunWithStartAndExecute() throws {
        let box = try Sandbox()
        let layout = box.root + "/image"
        try buildImage(box, layout: layout)

        // From an OCI layout: the image's command as init, its user, directory and environment.
        let made = try box.run("create", ["-n", "o1", "-t", "oci", "--", "--url", "oci:\(layout):latest"])
        try #require(made.status == 0, "\(made.stderr)")
        let config = try #require(box.text(box.lxcpath + "/o1/config"))
        #expect(config.contains(#"lxc.init.cmd = /bin/sh -c 'echo "$GREETING $(id -u) $(pwd)" > /tmp/out; trap "exit 0" TERM; sleep 600 & wait'"#), "\(config)")
        #expect(config.contains("lxc.init.uid = 1000") && config.contains("lxc.init.cwd = /tmp") && config.contains("lxc.environment = GREETING=hello oci"), "\(config)")
        #expect(box.text(box.lxcpath + "/o1/rootfs/etc/hostname") == "o1\n")
        try box.ok("start", ["-n", "o1"])
        // The shell opens /tmp/out before it writes the line: wait for the whole line, not for
        // the file (a read in between finds it empty).
        var out: String?
        _ = eventually(tries: 500) {
            out = box.text(box.lxcpath + "/o1/rootfs/tmp/out")
            return out?.hasSuffix("\n") == true
        }
        #expect(out == "hello oci 1000 /tmp\n", "\(out ?? "no /tmp/out")")
        // A clean stop: SIGTERM reaches the image's command (lxc.signal.halt), no 60 s wait.
        let began = Date()
        try box.ok("stop", ["-n", "o1", "-t", "10"])
        #expect(Date().timeIntervalSince(began) < 5)
        // berth-execute with a command: the same user, directory and environment.
        let executed = try box.run("execute", ["-n", "o1", "--", "/bin/sh", "-c", #"echo "$GREETING $(id -u) $(pwd)""#])
        #expect(executed.status == 0 && executed.stdout == "hello oci 1000 /tmp\n", "\(executed.stdout)\(executed.stderr)")

        // From an oci-archive and a docker-archive made of the same image.
        _ = try sh(box, "skopeo copy --quiet 'oci:\(layout):latest' 'oci-archive:\(box.root)/image.tar:latest' && skopeo copy --quiet 'oci:\(layout):latest' 'docker-archive:\(box.root)/image.docker.tar:test/busybox:latest'")
        for (name, url) in [("o2", "oci-archive:\(box.root)/image.tar:latest"), ("o3", "docker-archive:\(box.root)/image.docker.tar")] {
            try box.ok("create", ["-n", name, "-t", "oci", "--", "--url", url])
            let run = try box.run("execute", ["-n", name, "--", "/bin/sh", "-c", "echo $GREETING; cat /etc/hostname"])
            #expect(run.stdout == "hello oci\n\(name)\n", "\(url): \(run.stdout)\(run.stderr)")
        }

        // A hostile image: a working directory with a line break (a config line of its own) is
        // refused, and nothing is made.
        _ = try sh(box, "umoci config --image '\(layout):latest' --config.workingdir \"$(printf '/tmp\\nlxc.hook.pre-start = /bin/true')\"")
        let injected = try box.run("create", ["-n", "o6", "-t", "oci", "--", "--url", "oci:\(layout):latest"])
        #expect(injected.status != 0 && injected.stderr.contains("line break"), "\(injected.stderr)")
        #expect(!box.entries().contains("o6"))

        // A bad URL and a missing image: named, nothing made.
        let bad = try box.run("create", ["-n", "o4", "-t", "oci", "--", "--url", "ftp://nowhere/image"])
        #expect(bad.status != 0 && bad.stderr.contains("unsupported image URL"), "\(bad.stderr)")
        let missing = try box.run("create", ["-n", "o5", "-t", "oci", "--", "--url", "oci:\(box.root)/nosuch:latest"])
        #expect(missing.status != 0 && missing.stderr.contains("skopeo could not copy"), "\(missing.stderr)")
        #expect(!box.entries().contains("o4") && !box.entries().contains("o5"))
        box.expectClean("o1")
    }
}
