import MinshengModel
import Testing
@testable import MinshengClassification

@Suite("Gazetteer")
struct GazetteerTests {
    let gazetteer: Gazetteer

    init() throws { gazetteer = Gazetteer(region: try TestSupport.region()) }

    @Test func aVillageNamesItsTownAndAGrid() {
        let place = gazetteer.place(address: nil, text: "芦湾村有人在河边烧垃圾")
        #expect(place?.town == "新仓镇")
        #expect(place?.village == "芦湾村")
        #expect(place?.grid == nil)  // text does not name a grid; coordinates do
        #expect(place?.basis == .text)
    }

    @Test func aRoadNamesItsTown() {
        #expect(gazetteer.place(address: "三港路88号", text: "路灯不亮") == Place(town: "当湖街道", basis: .address))
    }

    @Test func theTownNameOrAliasIsTheLastResort() {
        #expect(gazetteer.place(address: nil, text: "独山港那边的工厂半夜排气")?.town == "独山港镇")
        #expect(gazetteer.place(address: nil, text: "广陈镇有个路口没红绿灯")?.village == nil)
    }

    @Test func theAddressWinsOverTheText() {
        let place = gazetteer.place(address: "钟埭街道花园村", text: "我以前住在新埭镇")
        #expect(place?.town == "钟埭街道")
    }

    @Test func longerNamesWin() {
        #expect(gazetteer.place(address: nil, text: "新埭社区门口")?.village == "新埭社区")
    }

    @Test func unknownPlacesStayUnknown() {
        #expect(gazetteer.place(address: "上海市徐汇区", text: "快递丢了") == nil)
    }
}
