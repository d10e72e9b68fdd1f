/**
 * JSON-schema constrained decoding: output that parses and conforms to a schema, whatever the model prefers.
 *
 * <h2>Use</h2>
 * <pre>{@code
 * TokenVocabulary vocabulary = TokenVocabulary.load(model.directory());      // once per tokenizer
 * JsonConstraint chart = JsonConstraint.compile(JsonSchema.parse(json), vocabulary); // once per schema, shared
 * JsonLogitsProcessor processor = chart.newProcessor(maxNewTokens);          // one per request
 * GenerationResult result = model.generate(new GenerationRequest(prompt, images,
 *         GenerationConfig.greedy(maxNewTokens), processor));
 * processor.closedEarly();                      // the budget overrode the model to finish the value in time
 * JsonElement value = StrictJson.parse(result.text());
 * chart.schema().validate(value);               // empty: conforms
 * }</pre>
 * A request's config must stop on {@code <|end|>} (the default stop ids do): after a complete value it is the
 * only token allowed. With max_new_tokens below {@link JsonConstraint#minimumTokens()} a value cannot always
 * be finished and the output may be cut off.
 *
 * <h2>Decisions</h2>
 * <ul>
 *   <li><b>Layout.</b> Compact JSON with at most one space after {@code :} and {@code ,} and no other
 *       whitespace ({@code {"a": 1, "b": [1, 2]}} and {@code {"a":1,"b":[1,2]}} both pass), so whitespace runs
 *       are bounded and cost the budget almost nothing.</li>
 *   <li><b>Property order.</b> Declaration order; optional properties may be skipped, required ones never;
 *       no other keys. The shortest completion skips every optional property.</li>
 *   <li><b>Bytes, not characters.</b> The grammar runs over UTF-8 bytes and each token is the bytes it adds
 *       to the decoded text, so byte-fallback tokens ({@code <0xE2>}) are ordinary steps: the grammar accepts
 *       only valid UTF-8, so byte tokens must complete a character before anything else follows (the decoder
 *       would otherwise print U+FFFD).</li>
 *   <li><b>Leading space.</b> Phi-3's decoder drops one space at the start of the text, so the grammar allows
 *       one space before the value (<code>▁{</code> is how the tokenizer itself starts) that is not part of the
 *       text the caller gets back.</li>
 *   <li><b>Budget.</b> Each state knows, in tokens, an achievable shortest completion; a token is allowed only
 *       if the value can still be finished in the tokens left after it. Far from the limit this removes
 *       nothing, so output that already conforms is unchanged; near it, the output follows a shortest
 *       completion.</li>
 *   <li><b>Bounded values.</b> Numbers have at most 18 integer digits, 18 fraction digits, 2 exponent digits
 *       (integers fit a long, numbers are finite doubles); {@code \\u} escapes of surrogates are not
 *       generated.</li>
 * </ul>
 */
package org.phi3vspark.model.generate.json;
