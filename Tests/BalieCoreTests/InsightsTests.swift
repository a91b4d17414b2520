import BalieCore
import Foundation
import Testing

/// The insights on a small generated history whose answers are known by hand.
@Suite struct InsightsTests {
    let zone = TimeZone(identifier: "Europe/Amsterdam")!

    /// 2026-11-02 (a Monday) at `hour`:00 Amsterdam time, plus `day` days.
    func at(day: Int, hour: Int) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        return calendar.date(from: DateComponents(year: 2026, month: 11, day: 2 + day, hour: hour))!
    }

    func task(_ id: String, _ outcome: String?, partner: String? = nil, earlier: Int? = nil, _ actors: [StepActor] = [.customerAlone],
              group: TaskGroup = .banking) -> InsightSession.Task {
        InsightSession.Task(taskID: id, group: group, names: ["nl": id], outcome: outcome, partner: partner, earlierVisits: earlier, actors: actors)
    }

    /// Ten sessions: six for "pay-bill" (resolved), three for "tax-return" (referred), one "library-card" (a small group).
    var history: [InsightSession] {
        var sessions: [InsightSession] = []
        for index in 0..<6 {
            sessions.append(InsightSession(startedAt: at(day: 0, hour: 10), finishedAt: at(day: 0, hour: 10).addingTimeInterval(1200),
                                           waitingSeconds: 300, effortScore: 6, selfReliance: .yes, channelAdvice: .app, messagesRead: index == 0 ? 2 : 0,
                                           tasks: [task("pay-bill", "resolved", earlier: index < 3 ? 0 : 1, index < 3 ? [.customerWithHelp] : [.customerAlone])]))
        }
        for _ in 0..<3 {
            sessions.append(InsightSession(startedAt: at(day: 1, hour: 14), finishedAt: at(day: 1, hour: 14).addingTimeInterval(2400),
                                           waitingSeconds: 600, effortScore: 2, selfReliance: .notYet, channelAdvice: nil, messagesRead: 0,
                                           tasks: [task("tax-return", "referred", partner: "belastingdienst", [.staffOnBehalf], group: .digitalGovernment)]))
        }
        sessions.append(InsightSession(startedAt: at(day: 1, hour: 15), finishedAt: at(day: 1, hour: 15).addingTimeInterval(600),
                                       waitingSeconds: nil, effortScore: nil, selfReliance: nil, channelAdvice: nil, messagesRead: 0,
                                       tasks: [task("library-card", "follow-up", group: .libraryLearning)]))
        return sessions
    }

    @Test func headlineFigures() {
        let report = InsightReport(sessions: history, group: nil, timeZone: zone)
        #expect(report.sessions == 10 && report.tasks == 10 && !report.tooFew)
        #expect(report.firstContactResolution == 0.6)
        #expect(report.effortAverage == Double(6 * 6 + 3 * 2) / 9)
        #expect(report.effortPositive == 6.0 / 9 && report.effortNegative == 3.0 / 9)
        #expect(report.messagesCaughtUp == 2 && report.followUpsAgreed == 1)
        // Three repeat tasks done alone: fewer than five, so not shown.
        #expect(report.managingAlone == nil)
    }

    @Test func smallGroupsAreNotShownSeparately() throws {
        let report = InsightReport(sessions: history, group: nil, timeZone: zone)
        let topics = try #require(report.table("tasks_by_topic"))
        #expect(topics.rows.map(\.label) == ["pay-bill", InsightReport.otherLabel])
        #expect(topics.rows[0].values == [6, 1.0])
        // tax-return (3) and library-card (1) together are 4: still too few, so their figures are left out.
        #expect(topics.rows[1].count == 4 && topics.rows[1].values == [nil, nil])
        let hours = try #require(report.table("sessions_by_hour"))
        #expect(hours.rows.map(\.label) == ["10", "14", "15"] && hours.rows.map(\.values) == [[6], [nil], [nil]])
        let weekdays = try #require(report.table("sessions_by_weekday"))
        #expect(weekdays.rows.map(\.label) == ["1", "2"] && weekdays.rows[0].values == [6] && weekdays.rows[1].values == [nil])
        let effort = try #require(report.table("effort_distribution"))
        #expect(effort.rows[5].values == [6, 6.0 / 9] && effort.rows[1].values == [nil, nil] && effort.rows[0].values == [0, 0])
    }

    @Test func aGroupSmallerThanTheThresholdShowsNothing() {
        let report = InsightReport(sessions: Array(history.prefix(4)), group: nil, timeZone: zone)
        #expect(report.tooFew && report.tables.isEmpty && report.firstContactResolution == nil)
    }

    @Test func filteringByTaskGroupKeepsOnlyItsTasks() throws {
        let report = InsightReport(sessions: history, group: .banking, timeZone: zone)
        #expect(report.sessions == 6 && report.tasks == 6 && report.firstContactResolution == 1.0)
        let times = try #require(report.table("times"))
        #expect(times.rows[0].values == [6, 5, 5, 5] && times.rows[1].values == [6, 20, 20, 20])
    }

    @Test func selfRelianceByVisitAndEffortByWhoDidTheSteps() throws {
        let report = InsightReport(sessions: history, group: nil, minimumGroup: 3, timeZone: zone)
        let visits = try #require(report.table("self_reliance_by_visit"))
        // First visits: three pay-bill with help; second visits: three pay-bill alone.
        #expect(visits.rows[0].values == [3, 0, 1, 0, 1] && visits.rows[1].values == [3, 1, 0, 0, 1])
        #expect(visits.rows[2].values == [0, nil, nil, nil, nil])
        #expect(report.managingAlone == 3)
        let byActor = try #require(report.table("effort_by_actor"))
        let alone = byActor.rows.first { $0.label == "customer-alone" }!
        #expect(alone.values == [3, 6, 1, 0])
        let staff = byActor.rows.first { $0.label == "staff-on-behalf" }!
        #expect(staff.values == [3, 2, 0, 1])
        let referrals = try #require(report.table("referrals_by_partner"))
        #expect(referrals.rows.map(\.label) == ["belastingdienst"] && referrals.rows[0].values == [3])
    }
}
