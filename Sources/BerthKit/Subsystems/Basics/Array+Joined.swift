/// `joined(separator:)` for an array of strings, written for that type alone. The standard
/// library's is generic over the collection: a process's first call looks its witnesses up by
/// name through the whole binary (tens of microseconds, with the page faults of that walk), and
/// nearly every command joins strings somewhere. Being the more specific overload, this is what
/// `[String].joined(separator:)` calls in Berth; `joined()` without a separator (an overload of
/// it here makes some expressions too slow to type-check), slices and lazy sequences still get
/// the standard library's.
extension Array where Element == String {
    public func joined(separator: String) -> String {
        var length = separator.utf8.count * Swift.max(count - 1, 0)
        for element in self { length += element.utf8.count }
        var result = ""
        result.reserveCapacity(length)
        for (index, element) in enumerated() {
            if index > 0 { result += separator }
            result += element
        }
        return result
    }
}
