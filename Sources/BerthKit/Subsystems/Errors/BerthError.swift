import SystemPackage

/// The one error type Berth's library throws.
///
/// It carries a `code` (which the commands map to LXC's exit statuses), a message written for an
/// administrator — it names what was wrong and where — and, when a system call failed, the errno
/// underneath it.
public struct BerthError: Error, CustomStringConvertible, Sendable {
    /// What kind of failure this is. A struct over a private enum so that codes can be added
    /// without breaking callers that switch with a default.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: String, Sendable {
            case invalidArgument, invalidName, invalidConfig, notFound, alreadyExists, busy,
                 hasDependents, notRunning, system, templateFailed, unsupported, interrupted, timedOut,
                 permissionDenied
        }
        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// An operation did not finish in the time it was given.
        public static let timedOut = Code(.timedOut)
        /// A flag, argument or value given on the command line is wrong.
        public static let invalidArgument = Code(.invalidArgument)
        /// A container name is not acceptable.
        public static let invalidName = Code(.invalidName)
        /// A configuration file has an unknown key or a bad value.
        public static let invalidConfig = Code(.invalidConfig)
        /// The container (or file, template, snapshot) does not exist.
        public static let notFound = Code(.notFound)
        /// The container (or file) exists already.
        public static let alreadyExists = Code(.alreadyExists)
        /// Another command holds the container, or it is in a state that forbids the operation.
        public static let busy = Code(.busy)
        /// Clones or snapshots depend on the container.
        public static let hasDependents = Code(.hasDependents)
        /// The container is not running.
        public static let notRunning = Code(.notRunning)
        /// A system call failed.
        public static let system = Code(.system)
        /// A template program failed.
        public static let templateFailed = Code(.templateFailed)
        /// The host lacks a feature that was asked for.
        public static let unsupported = Code(.unsupported)
        /// Something that should be the caller's (a runtime directory, a socket) belongs to
        /// somebody else, or a layout would give other users what is not theirs.
        public static let permissionDenied = Code(.permissionDenied)
        /// A signal interrupted the operation; everything it made was removed.
        public static let interrupted = Code(.interrupted)

        public var description: String { value.rawValue }
    }

    public let code: Code
    /// The message for a person, without a trailing newline.
    public let message: String
    /// The system error underneath, if any.
    public let errno: Errno?
    /// For `.interrupted`: the signal that stopped the operation.
    public let signal: Int32?

    public init(_ code: Code, _ message: String, errno: Errno? = nil, signal: Int32? = nil) {
        self.code = code
        self.message = message
        self.errno = errno
        self.signal = signal
    }

    /// An operation stopped by a signal after undoing its work.
    public static func interrupted(_ signal: Int32, _ message: String) -> BerthError {
        BerthError(.interrupted, message, signal: signal)
    }

    /// A failed system call: names the operation and the path it was applied to.
    public static func system(_ operation: String, _ path: String, _ errno: Errno) -> BerthError {
        BerthError(.system, "\(operation) \(path): \(errno.berthDescription)", errno: errno)
    }

    public var description: String { message }
}

extension Errno {
    /// The C library's text for this errno ("No such file or directory"), as `strerror` gives it.
    public var berthDescription: String { BerthError.errnoText(rawValue) }
}

extension BerthError {
    /// The C library's text for the current errno: the one place Berth turns an errno into
    /// words.
    public static func errnoText() -> String { errnoText(currentErrno.rawValue) }

    /// The C library's text for the errno `code`.
    public static func errnoText(_ code: Int32) -> String {
        // strerror's buffer is process-global; Berth's processes are single-threaded where
        // they report errors, so the string is copied out before anything else can overwrite it.
        // (The one C call outside System: errors are the layer below it.)
        String(cString: strerror(code))
    }
}

