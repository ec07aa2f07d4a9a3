import BerthKit

/// What a tool needs once its flags are parsed: host settings, the lxcpath, a logger, and
/// printers for warnings and progress that honour `-q`.
struct ToolContext {
    let program: String
    let system: SystemConfig
    let lxcpath: String
    let logger: ToolLog
    let quiet: Bool

    init(program: String, options: CommonOptions) throws(BerthError) {
        self.program = program
        system = try SystemConfig.load()
        lxcpath = system.lxcpath(override: options.lxcpath)
        try SystemConfig.checkLxcpath(lxcpath, option: options.lxcpath == nil ? "lxc.lxcpath in berth.conf" : "-P")
        quiet = options.quiet
        let level = options.logpriority.flatMap(LogLevel.init) ?? .error
        logger = ToolLog(program: program, fd: try options.logfile.map(ToolLog.open), level: level)
        logger.debug("lxcpath \(lxcpath)")
    }

    /// Warnings go to standard error (and the log), even with `-q`: they name config lines an
    /// administrator has to fix.
    func warn(_ message: String) {
        logger.warning("\(message)")
        Terminal.writeError("\(program): warning: \(message)\n")
    }

    /// Progress for a person, on standard error when it is a terminal, never with `-q`.
    func progress(_ message: String) {
        logger.info("\(message)")
        if !quiet && Terminal.stderrIsTerminal { Terminal.writeError("\(message)\n") }
    }
}
