import SQLKit
import Vapor

struct HealthController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("health", use: health)
        routes.get("ready", use: ready)
    }

    /// Liveness: touches nothing.
    @Sendable
    func health(request: Request) async throws -> HealthStatus {
        HealthStatus(status: "ok")
    }

    /// Readiness: the database answers a query, and the process is not stopping (a load balancer
    /// sends new chats elsewhere while this one lets its replies finish).
    @Sendable
    func ready(request: Request) async throws -> Response {
        if request.application.parley.replies.isDraining {
            return try await HealthStatus(status: "stopping").encodeResponse(status: .serviceUnavailable, for: request)
        }
        do {
            _ = try await (request.db as! any SQLDatabase).raw("SELECT 1").all()
            return try await HealthStatus(status: "ok", database: "ok").encodeResponse(for: request)
        } catch {
            request.logger.warning("readiness: database did not answer: \(String(describing: error))")
            return try await HealthStatus(status: "unavailable", database: "unreachable")
                .encodeResponse(status: .serviceUnavailable, for: request)
        }
    }
}

struct HealthStatus: Content {
    var status: String
    var database: String?
}
