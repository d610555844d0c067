package karaoke.analysis;

import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.miscellaneous.ASCIIFoldingFilter;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.index.analysis.AbstractTokenFilterFactory;
import org.elasticsearch.index.analysis.NormalizingTokenFilterFactory;

/** {@code asciifolding}: folds letters with diacritics to ASCII; {@code preserve_original} keeps the input token too. */
final class AsciiFoldingFilterFactory extends AbstractTokenFilterFactory implements NormalizingTokenFilterFactory {
  private final boolean preserveOriginal;

  AsciiFoldingFilterFactory(String name, Settings settings) {
    super(name, settings);
    this.preserveOriginal = settings.getAsBoolean("preserve_original", false);
  }

  @Override
  public TokenStream create(TokenStream input) {
    return new ASCIIFoldingFilter(input, preserveOriginal);
  }

  @Override
  public TokenStream normalize(TokenStream input) {
    // A normalizer must yield exactly one token, so it never keeps the original.
    return new ASCIIFoldingFilter(input, false);
  }
}
