/// What `berth-create -t NAME` runs to fill a new container.
public enum Template: Sendable, Equatable {
    /// `-t none`: a config only, an empty rootfs directory.
    case none
    /// `-t busybox`: built in-process from the host's busybox.
    case busybox
    /// A program following LXC's template interface (`--path --rootfs --name`, then the user's
    /// arguments), e.g. `templates/berth-debian` or an LXC template.
    case external(path: String)

    /// The name shown in the config header and in messages.
    public var displayName: String {
        switch self {
        case .none: return "none"
        case .busybox: return "busybox (built in)"
        case .external(let path): return path
        }
    }

    /// Finds the template called `name`: `none` and `busybox` are built in; a name with a `/` is
    /// a path; otherwise `berth-NAME` in Berth's template directory, then LXC's `lxc-NAME`.
    public static func resolve(_ name: String, templateDirectory: String, lxcTemplateDirectory: String = "/usr/share/lxc/templates") throws(BerthError) -> Template {
        switch name {
        case "none": return .none
        case "busybox": return .busybox
        case "": throw BerthError(.invalidArgument, "template name is empty (use -t none for a container without a template)")
        default: break
        }
        if name.contains("/") {
            guard FileSystem.isExecutable(name) else {
                throw BerthError(.notFound, "template \(name) does not exist or is not executable")
            }
            return .external(path: Path.absolute(name))
        }
        let candidates = [Path.join(templateDirectory, "berth-\(name)"), Path.join(lxcTemplateDirectory, "lxc-\(name)")]
        if let found = candidates.first(where: FileSystem.isExecutable) { return .external(path: found) }
        let available = (["busybox", "none"] + ((try? FileSystem.list(templateDirectory)) ?? [])
            .filter { $0.hasPrefix("berth-") }.map { String($0.dropFirst(6)) }).sorted()
        throw BerthError(.notFound, "unknown template '\(name)': no \(candidates[0]) (available: \(available.joined(separator: ", ")))")
    }
}
