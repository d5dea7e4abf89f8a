import Prometheus
import Vapor

struct MetricsController: RouteCollection {
    let registry: PrometheusCollectorRegistry
    let databasePool: DatabasePoolGauges

    func boot(routes: any RoutesBuilder) throws {
        routes.get("metrics", use: metrics)
    }

    @Sendable
    func metrics(request: Request) async throws -> Response {
        databasePool.update()
        var bytes: [UInt8] = []
        bytes.reserveCapacity(16 * 1024)
        registry.emit(into: &bytes)
        return Response(status: .ok, headers: ["Content-Type": "text/plain; version=0.0.4; charset=utf-8"],
                        body: .init(buffer: ByteBuffer(bytes: bytes)))
    }
}
