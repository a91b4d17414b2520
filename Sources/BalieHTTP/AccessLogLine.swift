/// The access log's line for one request: "GET /static/* 200 31us id=1x878g6-974551". Method, route
/// pattern, status, duration and request id; never the query or the body, which may hold personal
/// data. Written into one exactly sized string: string interpolation would grow it several times
/// over, and this runs for every request.
enum AccessLogLine {
    static func format(
        method: String, route: String, status: Int, microseconds: UInt64, idPrefix: String, number: UInt64
    ) -> String {
        let statusDigits = digitCount(UInt64(max(0, status)))
        let durationDigits = digitCount(microseconds)
        let numberDigits = digitCount(number)
        let length = method.utf8.count + 1 + route.utf8.count + 1 + statusDigits + 1 + durationDigits + 6
            + idPrefix.utf8.count + 1 + numberDigits
        return String(unsafeUninitializedCapacity: length) { buffer in
            var at = 0
            func put(_ text: String) {
                at = UnsafeMutableBufferPointer(rebasing: buffer[at...]).initialize(fromContentsOf: text.utf8) + at
            }
            func put(_ value: UInt64, digits: Int) {
                var value = value
                for index in stride(from: at + digits - 1, through: at, by: -1) {
                    buffer[index] = UInt8(ascii: "0") + UInt8(value % 10)
                    value /= 10
                }
                at += digits
            }
            put(method)
            put(" ")
            put(route)
            put(" ")
            put(UInt64(max(0, status)), digits: statusDigits)
            put(" ")
            put(microseconds, digits: durationDigits)
            put("us id=")
            put(idPrefix)
            put("-")
            put(number, digits: numberDigits)
            return at
        }
    }

    static func digitCount(_ value: UInt64) -> Int {
        var count = 1
        var rest = value / 10
        while rest > 0 {
            count += 1
            rest /= 10
        }
        return count
    }
}
