import SystemPackage

/// Runs a C call that returns -1 and sets errno on failure, retrying on EINTR, and turns a
/// failure into a `BerthError` naming the operation and the path.
@discardableResult
func syscall<T: FixedWidthInteger>(_ operation: String, _ path: String, _ body: () -> T) throws(BerthError) -> T {
    while true {
        let result = body()
        if result != -1 { return result }
        let err = Errno(rawValue: errno)
        if err == .interrupted { continue }
        throw BerthError.system(operation, path, err)
    }
}

/// The current thread's errno as a typed value.
var currentErrno: Errno { Errno(rawValue: errno) }
