import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Runs `body` with a TCP connection to 127.0.0.1:`port` whose reads give up after
/// `readTimeout` seconds, for tests that send what no HTTP client would (half a request, a
/// length the body never reaches).
func withLoopbackSocket<T>(port: Int, readTimeout: Int, _ body: (Int32) throws -> T) rethrows -> T {
    let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    #expect(socket >= 0)
    defer { close(socket) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    #expect(connected == 0)
    var timeout = timeval(tv_sec: readTimeout, tv_usec: 0)
    setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    return try body(socket)
}
