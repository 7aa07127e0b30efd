import Foundation
import LemmaData
import Testing

/// `lemma train / eval / predict` with `task: im2latex`, through the built binary, on a few formulas rendered
/// by TeX Live (scripts/setup.sh installs it): the `--json` keys, a split list of the user's own, images of the
/// user's own (palette, grey, RGBA, a full page), and a file that is no PNG.
struct Im2LatexCommandTests {
    let cli = CommandLineTests()

    @Test(.enabled(if: ProcessInfo.processInfo.environment["PATH"]?.split(separator: ":")
        .contains { FileManager.default.isExecutableFile(atPath: "\($0)/dvipng") } ?? false, "dvipng is not installed (scripts/setup.sh)"))
    func trainEvaluateAndPredictAnIm2LatexRun() throws {
        let directory = try cli.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let formulas = ["x ^ { 2 }", "a + b", "\\frac { 1 } { n }", "\\alpha _ { i }", "\\sqrt { y }", "x = y"]
        try (formulas.joined(separator: "\n") + "\n").write(to: directory.appendingPathComponent("formulas.lst"), atomically: true, encoding: .utf8)
        try (0..<24).map { "t\($0).png \($0 % formulas.count)" }.joined(separator: "\n")
            .write(to: directory.appendingPathComponent("train.lst"), atomically: true, encoding: .utf8)
        try "v0.png 0\nv1.png 2\n".write(to: directory.appendingPathComponent("valid.lst"), atomically: true, encoding: .utf8)
        try "0 s0 basic\n3 s1 basic\n".write(to: directory.appendingPathComponent("test.lst"), atomically: true, encoding: .utf8)
        let config = directory.appendingPathComponent("config.yaml")
        try """
            task: im2latex
            data:
              formulas: formulas.lst
              images: images
              train: train.lst
              valid: valid.lst
              test: test.lst
              render_dpi: 100
              downsample_ratio: 1
            model:
              cnn_channels: 16
              encoder_hidden_size: 6
              hidden_size: 12
              embedding_dim: 8
            train:
              batch_size: 4
              max_steps: 6
              eval_steps: 6
              deterministic: true
            decoding:
              beams: 2
              max_length: 8
            """.write(to: config, atomically: true, encoding: .utf8)
        let run = directory.appendingPathComponent("run")
        // Trained where the config's relative data paths lead; everything after runs from the tests' own
        // directory, from which the run finds them again through the working directory it recorded.
        let trained = try cli.run(["train", "--config", config.path, "--output", run.path], workingDirectory: directory)
        try #require(trained.status == 0, "\(trained.error)")
        let recorded = try String(contentsOf: run.appendingPathComponent("config.yaml"), encoding: .utf8)
        #expect(recorded.contains("formulas: \"formulas.lst\"") && recorded.contains("working_directory: \""), "\(recorded)")

        let scored = try cli.run(["eval", "--run", run.path, "--data", "test", "--json"])
        try #require(scored.status == 0, "\(scored.error)")
        let metrics = try #require(try JSONSerialization.jsonObject(with: Data(scored.output.utf8)) as? [String: Any])
        for key in ["bleu", "edit_distance", "exact_match", "image_match", "image_match_ws", "loss"] {
            #expect(metrics[key] is Double, "\(key) missing from \(scored.output)")
        }

        // A split of the user's own, as LaTeX in JSON Lines: rendered (named by the formula) and scored.
        let own = directory.appendingPathComponent("own.jsonl")
        try "{\"latex\": \"x^{2}\"}\n{\"latex\": \"a+b\"}\n".write(to: own, atomically: true, encoding: .utf8)
        let ownScored = try cli.run(["eval", "--run", run.path, "--data", own.path, "--json"])
        #expect(ownScored.status == 0, "\(ownScored.error)")
        #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("images")
            .appendingPathComponent(FormulaSplitList.imageName(rendering: "x^{2}")).path))

        // dvipng writes palette PNGs; a grey one written here; an RGBA one with a transparent background (the data
        // tests' fixture); the palette rendering pasted into a full page, as im2markup ships its images, which
        // cropping to the ink must turn back into the same input; one JSON object per image, in order.
        let palette = directory.appendingPathComponent("images/s1.png")
        let grey = directory.appendingPathComponent("grey.png")
        var image = GrayImage(width: 60, height: 30)
        for y in 10..<20 { for x in 10..<50 where x % 7 < 4 { image[x, y] = 40 } }
        try PNGCodec.write(image, to: grey)
        let rgba = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("LemmaDataTests/Fixtures/images/rgba8.png")
        let formula = try PNGCodec.read(palette)
        var page = GrayImage(width: 1224, height: 1584)
        for y in 0..<formula.height { for x in 0..<formula.width { page[200 + x, 300 + y] = formula[x, y] } }
        let fullPage = directory.appendingPathComponent("page.png")
        try PNGCodec.write(page, to: fullPage)
        let predicted = try cli.run(["predict", "--run", run.path, palette.path, grey.path, rgba.path, fullPage.path])
        try #require(predicted.status == 0, "\(predicted.error)")
        let lines = predicted.output.split(separator: "\n").map { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(lines.count == 4 && lines.allSatisfy { $0?["latex"] is String }, "\(predicted.output)")
        #expect(lines.first??["image"] as? String == palette.path)
        #expect(lines.count == 4 && lines[3]?["latex"] as? String == lines[0]?["latex"] as? String, "\(predicted.output)")

        // A file that is no PNG: one line naming it, nothing on standard output.
        let text = directory.appendingPathComponent("notes.txt")
        try "not an image\n".write(to: text, atomically: true, encoding: .utf8)
        let refused = try cli.run(["predict", "--run", run.path, text.path])
        #expect(refused.status != 0 && refused.output.isEmpty)
        let errors = refused.error.split(separator: "\n").filter { $0.hasPrefix("Error") }
        #expect(errors.count == 1 && errors[0].contains("notes.txt"), "\(refused.error)")
    }
}
