import Foundation

/// One conversation of a ChatGPT data export's `conversations.json`: a `mapping` of nodes, each
/// naming its parent, the message it holds (if any) and its children; `current_node` is the
/// branch the user last saw.
struct ChatGPTConversation: Decodable {
    var title: String?
    var create_time: Double?
    var update_time: Double?
    var mapping: [String: Node]
    var current_node: String?

    struct Node: Decodable {
        var id: String?
        var message: Message?
        var parent: String?
        var children: [String]?
    }

    struct Message: Decodable {
        var author: Author
        var content: Content?
        var create_time: Double?
        var metadata: Metadata?
    }

    struct Author: Decodable { var role: String }
    struct Metadata: Decodable { var model_slug: String? }

    struct Content: Decodable {
        var content_type: String
        var parts: [Part]?
    }

    /// A part of a message: text, or anything else (an image, a file, a tool's payload).
    enum Part: Decodable {
        case text(String), other

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            self = (try? container.decode(String.self)).map(Part.text) ?? .other
        }
    }

    /// Parley's form: text parts joined, non-text parts skipped and counted, messages without
    /// text (the empty system root, tool output) left out and their children moved up to the
    /// nearest message kept. Nodes are ordered by creation time, parents first.
    var imported: ImportedConversation {
        var skipped = 0
        var parentOf: [String: String?] = [:]
        for (key, node) in mapping { parentOf[key] = node.parent }
        // Depth-first from the roots, children in creation order: every parent before its children.
        let roots = mapping.filter { entry in entry.value.parent.map { parent in mapping[parent] == nil } ?? true }.map(\.key)
        func time(_ key: String) -> Double { mapping[key]?.message?.create_time ?? 0 }
        var order: [String] = []
        var stack = roots.sorted { (time($0), $0) > (time($1), $1) }
        var visited = Set<String>()
        while let key = stack.popLast() {
            guard visited.insert(key).inserted, let node = mapping[key] else { continue }
            order.append(key)
            let children = (node.children ?? []).filter { mapping[$0]?.parent == key }
            stack.append(contentsOf: children.sorted { (time($0), $0) > (time($1), $1) })
        }
        let fallback = ImportDates.date(create_time) ?? Date(timeIntervalSince1970: 0)
        var messages: [ImportedConversation.Message] = []
        for key in order {
            guard let message = mapping[key]?.message else { continue }
            var texts: [String] = []
            for part in message.content?.parts ?? [] {
                switch part {
                case let .text(text): texts.append(text)
                case .other: skipped += 1
                }
            }
            let text = texts.joined(separator: "\n\n")
            let contentType = message.content?.content_type ?? "text"
            guard ["text", "multimodal_text"].contains(contentType), let role = MessageRole(rawValue: message.author.role) else {
                skipped += 1
                continue
            }
            guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { continue }
            messages.append(ImportedConversation.Message(
                key: key, parentKey: mapping[key]?.parent, role: role, content: text, status: .complete,
                model: role == .assistant ? message.metadata?.model_slug : nil,
                createdAt: ImportDates.date(message.create_time) ?? fallback, usage: nil))
        }
        return ImportedConversation(
            title: title ?? ConversationRow.defaultTitle, createdAt: fallback,
            updatedAt: ImportDates.date(update_time) ?? fallback,
            messages: messages, currentKey: current_node, skipped: skipped, parentOf: parentOf)
    }
}
