import BalieCore
import Testing

@Suite struct TaskGroupTests {
    @Test func translationKeysHaveNoDashes() {
        #expect(TaskGroup.digitalGovernment.translationKey == "digital_government")
        #expect(TaskGroup.allCases.allSatisfy { !$0.translationKey.contains("-") })
    }

    @Test func everyGroupHasExamplesAndAnIcon() {
        for group in TaskGroup.allCases {
            #expect(!group.exampleTasks.isEmpty)
            #expect(!group.icon.isEmpty)
        }
    }
}
