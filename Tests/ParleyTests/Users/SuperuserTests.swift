import Fluent
import Foundation
import Testing
import Vapor
@testable import Parley

@Suite struct SuperuserTests {
    @Test func onlySuperusersManageUsers() async throws {
        try await withServer { server in
            let ann = try await server.user("ann@example.com")
            for (method, path) in [(HTTPMethod.GET, "/api/v1/users/"), (.POST, "/api/v1/users"),
                                   (.PATCH, "/api/v1/users/\(UUID())"), (.DELETE, "/api/v1/users/\(UUID())")] {
                let response = try await server.send(method, path, token: ann, json: ["email": "x@example.com", "password": "password123"])
                #expect(response.status == .forbidden, "\(method) \(path)")
                #expect(response.detail == "The user doesn't have enough privileges")
            }
        }
    }

    @Test func createListReadUpdateDelete() async throws {
        try await withServer { server in
            let admin = try await server.adminToken()
            let created = try await server.send(.POST, "/api/v1/users/", token: admin, json: [
                "email": "Carol@example.com", "password": "password123", "is_superuser": true, "is_active": false,
            ])
            #expect(created.status == .created)
            #expect(created.object["is_superuser"] as? Bool == true)
            #expect(created.object["is_active"] as? Bool == false)
            let id = try #require(created.object["id"] as? String)

            let duplicate = try await server.send(.POST, "/api/v1/users", token: admin, json: ["email": "carol@example.com", "password": "password123"])
            #expect(duplicate.status == .conflict)

            let list = try await server.send(.GET, "/api/v1/users/?skip=1&limit=1", token: admin)
            #expect(list.status == .ok)
            #expect(list.headers.first(name: "X-Total-Count") == "2")
            #expect(list.array.count == 1)
            #expect(list.array.first?["email"] as? String == "carol@example.com")

            let read = try await server.send(.GET, "/api/v1/users/\(id)", token: admin)
            #expect(read.object["email"] as? String == "carol@example.com")

            let updated = try await server.send(.PATCH, "/api/v1/users/\(id)", token: admin,
                                                json: ["is_active": true, "password": "carols-new-pass", "full_name": "Carol"])
            #expect(updated.status == .ok)
            #expect(updated.object["is_active"] as? Bool == true)
            _ = try await server.token("carol@example.com", password: "carols-new-pass")

            #expect(try await server.send(.DELETE, "/api/v1/users/\(id)", token: admin).status == .noContent)
            #expect(try await server.send(.GET, "/api/v1/users/\(id)", token: admin).status == .notFound)
            #expect(try await server.send(.DELETE, "/api/v1/users/\(id)", token: admin).detail == "Resource not found")
            #expect(try await server.user(id: UUID(uuidString: id)) == nil)
        }
    }

    @Test func aUserMayReadOnlyTheirOwnRecord() async throws {
        try await withServer { server in
            let ann = try await server.user("ann@example.com")
            _ = try await server.user("bob@example.com")
            let annID = try #require(try await server.user(email: "ann@example.com")?.id)
            let bobID = try #require(try await server.user(email: "bob@example.com")?.id)
            #expect(try await server.send(.GET, "/api/v1/users/\(annID.uuidString)", token: ann).status == .ok)
            #expect(try await server.send(.GET, "/api/v1/users/\(bobID)", token: ann).status == .forbidden)
            #expect(try await server.send(.GET, "/api/v1/users/not-a-uuid", token: ann).status == .unprocessableEntity)
        }
    }
}
