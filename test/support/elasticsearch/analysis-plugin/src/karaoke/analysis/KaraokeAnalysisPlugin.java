package karaoke.analysis;

import java.util.Map;
import org.elasticsearch.index.analysis.CharFilterFactory;
import org.elasticsearch.index.analysis.TokenFilterFactory;
import org.elasticsearch.indices.analysis.AnalysisModule.AnalysisProvider;
import org.elasticsearch.plugins.AnalysisPlugin;
import org.elasticsearch.plugins.Plugin;

/**
 * The analysis parts of the analysis-common module that the song index uses and the integ-test
 * distribution lacks. Names and settings match that module, so the same index definition works
 * here and on a full Elasticsearch.
 */
public class KaraokeAnalysisPlugin extends Plugin implements AnalysisPlugin {

  @Override
  public Map<String, AnalysisProvider<TokenFilterFactory>> getTokenFilters() {
    return Map.of(
        "asciifolding", (indexSettings, env, name, settings) -> new AsciiFoldingFilterFactory(name, settings),
        "edge_ngram", (indexSettings, env, name, settings) -> new EdgeNGramFilterFactory(name, settings));
  }

  @Override
  public Map<String, AnalysisProvider<CharFilterFactory>> getCharFilters() {
    // Both need their settings: naming them bare in an analyzer is an error, as in analysis-common.
    return Map.of(
        "mapping",
        AnalysisPlugin.requiresAnalysisSettings(
            (indexSettings, env, name, settings) -> new MappingCharFilterFactory(env, name, settings)),
        "pattern_replace",
        AnalysisPlugin.requiresAnalysisSettings(
            (indexSettings, env, name, settings) -> new PatternReplaceCharFilterFactory(name, settings)));
  }
}
