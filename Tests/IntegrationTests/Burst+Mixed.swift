import Foundation
import MinshengModel

/// What the all-services tests add to a `Burst`: repeats of earlier inputs through other channels, and
/// the eight reports of one hotspot. Each addition is appended to `inbound` (so `Accounting` expects it to
/// end) and its range returned for publishing.
extension Burst {
    static let channels = ["intake.hotline12345", "intake.web", "intake.grid", "intake.police110"]

    /// `count` police matters on the 110 channel (a robbery, a break-in: the classifier hands them back to
    /// 110; of `init(size:)`'s 110 texts a fight is not always judged one), source ids `<run>-110-<n>`.
    mutating func addPoliceMatters(_ count: Int) -> Range<Int> {
        let start = inbound.count
        for number in 0..<count {
            let key = "\(run)-110-\(number)"
            let place = Self.places[number % Self.places.count]
            let text = "报警人称\(place)\(number % 2 == 0 ? Self.police[0] : Self.police[2])（第\(number)号）"
            inbound.append(("intake.police110", key, Self.event(id: key, text: text, place: place)))
        }
        return start..<inbound.count
    }

    /// The same reports again (same text, same caller) through the next channel, under new source ids
    /// `<run>-rep-<index>`: new events that classification links to the first report of their matter.
    mutating func addRepeats(of indices: [Int]) -> Range<Int> {
        let start = inbound.count
        for index in indices {
            let original = inbound[index]
            let key = "\(run)-rep-\(index)"
            let channel = Self.channels[((Self.channels.firstIndex(of: original.topic) ?? 0) + 1) % Self.channels.count]
            let value = original.value.replacingOccurrences(of: #""id":"\#(original.key)""#, with: #""id":"\#(key)""#)
            inbound.append((channel, key, value))
        }
        return start..<inbound.count
    }

    /// The eight reports of one problem at one place from seven callers, differently phrased (paid
    /// roadside parking on 三港路 with a private payment code and no receipt: the classifier's test corpus
    /// clusters them, see `ServiceStacks.ClassificationScaleOutTests`), ten minutes apart from `start`, alternately by
    /// hotline and web: source ids `<run>-hs-<n>`.
    mutating func addHotspot(start: Date) -> Range<Int> {
        let first = inbound.count
        for (index, report) in ServiceStacks.ClassificationScaleOutTests.texts.enumerated() {
            let key = "\(run)-hs-\(index)"
            let occurred = MessageCoding.formatTimestamp(start.addingTimeInterval(Double(index) * 600))
            let value = #"{"id":"\#(key)","occurredAt":"\#(occurred)","text":"\#(report.text)","address":"平湖市当湖街道三港路","requestType":"complaint","reporter":{"phone":"\#(report.phone)"}}"#
            inbound.append((index % 2 == 0 ? "intake.hotline12345" : "intake.web", key, value))
        }
        return first..<inbound.count
    }

    /// The valid inputs among `range`.
    func valid(_ range: Range<Int>) -> [Int] { range.filter { !malformed.contains(inbound[$0].key) } }
}
