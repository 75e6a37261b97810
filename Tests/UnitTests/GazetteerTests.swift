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

    @Test func aVillageIsFoundWithoutItsSuffixUnlessThatIsACommonWord() {
        #expect(gazetteer.place(address: nil, text: "龙萌那边的河里有死鱼")?.village == "龙萌村")
        #expect(gazetteer.place(address: nil, text: "小区花园里有人遛狗不牵绳") == nil)
    }

    @Test func namedPlacesAreVillagesAndRoadsNotTowns() {
        #expect(gazetteer.namedPlaces(address: "当湖街道三港路8号", text: "西门社区门口和三港路路口") == ["三港路", "西门社区"])
        #expect(gazetteer.namedPlaces(address: nil, text: "新埭镇有人乱收费").isEmpty)
    }

    @Test func placeNamesCanBeTakenOutOfAText() {
        #expect(gazetteer.withoutPlaceNames("三港路和新埭社区门口停车乱收费") == "，和，门口停车乱收费")
    }
}
