#!/usr/bin/env python3
"""Writes Sources/LemmaServe/Resources/openapi.json: the OpenAPI 3.1 document of `lemma serve`, served at
/openapi.json and used by the schemathesis fuzz test (Tests/LemmaServeTests/SchemathesisTests.swift).
Run it after changing a route; the test fails when the server and this document disagree."""
import json
import pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "Sources/LemmaServe/Resources/openapi.json"


def ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def error(description):
    return {"description": description, "content": {"application/json": {"schema": ref("Error")}}}


def json_body(schema):
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def ok(schema, description="OK"):
    return {"description": description, "content": {"application/json": {"schema": schema}}}


RETRY = {"Retry-After": {"description": "Seconds to wait before retrying", "schema": {"type": "string"}}}
MODEL_ERRORS = {
    "400": error("Invalid request: the message names the field and what was expected"),
    "401": error("Missing or wrong API key (when the server has one)"),
    "404": error("No such model, or none of this kind is served"),
    "408": error("The request took longer than the server's limit"),
    "413": error("The body is larger than the server's limit"),
    "503": {**error("Loading, shutting down, or the queue is full (see Retry-After)"), "headers": RETRY},
}

text_input = {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}, "minItems": 1, "maxItems": 256}],
              "description": "At most 256 texts (--max-inputs), each at most --max-input-tokens tokens"}
model_name = {"type": "string", "description": "A served model's name (see /v1/models); optional when one model of the kind is served"}
seed = {"type": "integer", "description": "Random seed; choice i of a request uses seed + i"}

schemas = {
    "Error": {
        "type": "object", "required": ["error"],
        "properties": {"error": {"type": "object", "required": ["message", "type", "code"], "properties": {
            "message": {"type": "string"}, "type": {"type": "string"}, "code": {"type": ["string", "null"]}}}},
    },
    "Usage": {"type": "object", "required": ["prompt_tokens", "total_tokens"], "properties": {
        "prompt_tokens": {"type": "integer"}, "completion_tokens": {"type": "integer"}, "total_tokens": {"type": "integer"}}},
    "ClassifyRequest": {"type": "object", "required": ["input"], "properties": {"input": text_input, "model": model_name}},
    "ClassifyResponse": {"type": "object", "required": ["object", "model", "data"], "properties": {
        "object": {"const": "list"}, "model": {"type": "string"},
        "data": {"type": "array", "items": {"type": "object", "required": ["index", "label", "probabilities"], "properties": {
            "index": {"type": "integer"}, "label": {"type": "string"},
            "probabilities": {"type": "object", "additionalProperties": {"type": "number"}}}}}}},
    "TEIPredictRequest": {"type": "object", "required": ["inputs"], "properties": {"inputs": text_input, "model": model_name}},
    "TEIScores": {"type": "array", "items": {"type": "object", "required": ["label", "score"], "properties": {
        "label": {"type": "string"}, "score": {"type": "number"}}}},
    "EmbeddingsRequest": {"type": "object", "required": ["input"], "properties": {
        "input": text_input, "model": model_name, "encoding_format": {"enum": ["float"]}}},
    "EmbeddingsResponse": {"type": "object", "required": ["object", "model", "data", "usage"], "properties": {
        "object": {"const": "list"}, "model": {"type": "string"}, "usage": ref("Usage"),
        "data": {"type": "array", "items": {"type": "object", "required": ["object", "index", "embedding"], "properties": {
            "object": {"const": "embedding"}, "index": {"type": "integer"},
            "embedding": {"type": "array", "items": {"type": "number"}}}}}}},
    "TEIEmbedRequest": {"type": "object", "required": ["inputs"], "properties": {
        "inputs": text_input, "normalize": {"type": "boolean", "default": True}, "model": model_name}},
    "CompletionRequest": {"type": "object", "required": ["prompt"], "properties": {
        "prompt": text_input, "model": model_name,
        "max_tokens": {"type": "integer", "minimum": 1, "maximum": 1024, "default": 16, "description": "At most the server's --max-tokens-limit (1024 by default)"},
        "temperature": {"type": "number", "minimum": 0, "maximum": 2, "description": "0: greedy"},
        "top_p": {"type": "number", "exclusiveMinimum": 0, "maximum": 1},
        "top_k": {"type": "integer", "minimum": -1, "description": "0 or -1: off"},
        "n": {"type": "integer", "minimum": 1, "maximum": 8, "default": 1},
        "stop": {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}, "maxItems": 4}]},
        "seed": seed,
        "stream": {"type": "boolean", "default": False},
        "stream_options": {"type": "object", "properties": {"include_usage": {"type": "boolean"}}},
        "repetition_penalty": {"type": "number", "minimum": 0.01, "maximum": 10},
        "ignore_eos": {"type": "boolean", "description": "vLLM's extension: keep generating past <|endoftext|> up to max_tokens"},
        "presence_penalty": {"const": 0}, "frequency_penalty": {"const": 0},
        "echo": {"const": False}}},
    "CompletionResponse": {"type": "object", "required": ["id", "object", "created", "model", "choices", "usage"], "properties": {
        "id": {"type": "string"}, "object": {"const": "text_completion"}, "created": {"type": "integer"}, "model": {"type": "string"},
        "usage": ref("Usage"),
        "choices": {"type": "array", "items": {"type": "object", "required": ["index", "text", "finish_reason"], "properties": {
            "index": {"type": "integer"}, "text": {"type": "string"}, "logprobs": {"type": "null"},
            "finish_reason": {"enum": ["stop", "length"]}}}}}},
    "ChatCompletionRequest": {"type": "object", "required": ["messages"], "properties": {
        "messages": {"type": "array", "minItems": 1, "maxItems": 256, "items": {
            "type": "object", "required": ["role", "content"], "properties": {
                "role": {"enum": ["system", "developer", "user", "assistant"]},
                "content": {"oneOf": [{"type": "string"}, {"type": "array", "items": {
                    "type": "object", "required": ["type", "text"], "properties": {"type": {"const": "text"}, "text": {"type": "string"}}}}]}}}},
        "max_completion_tokens": {"type": "integer", "minimum": 1, "maximum": 1024, "description": "OpenAI's newer name for max_tokens (wins when both are given)"},
        "logprobs": {"const": False}}},
    "ChatCompletionResponse": {"type": "object", "required": ["id", "object", "created", "model", "choices", "usage"], "properties": {
        "id": {"type": "string"}, "object": {"const": "chat.completion"}, "created": {"type": "integer"}, "model": {"type": "string"},
        "usage": ref("Usage"),
        "choices": {"type": "array", "items": {"type": "object", "required": ["index", "message", "finish_reason"], "properties": {
            "index": {"type": "integer"}, "logprobs": {"type": "null"},
            "message": {"type": "object", "required": ["role", "content"], "properties": {
                "role": {"const": "assistant"}, "content": {"type": "string"}}},
            "finish_reason": {"enum": ["stop", "length"]}}}}}},
    "TranslateRequest": {"type": "object", "required": ["input"], "properties": {
        "input": text_input, "model": model_name,
        "beams": {"type": "integer", "minimum": 1, "maximum": 16, "description": "Beam size, at most the model's target vocabulary (a wider beam is a 400)"},
        "n": {"type": "integer", "minimum": 1, "maximum": 8, "description": "Hypotheses per input; beyond the beam size, the beam widens"},
        "sample": {"type": "boolean", "description": "Default: true when temperature, top_k, top_p, seed or uniform: true is given"}, "temperature": {"type": "number", "minimum": 0.01, "maximum": 10},
        "top_k": {"type": "integer", "minimum": 0}, "top_p": {"type": "number", "exclusiveMinimum": 0, "maximum": 1},
        "uniform": {"type": "boolean", "description": "Sampling picks uniformly among the tokens top_k / top_p keep (fastai course-nlp's variant), not by probability; without either, among all tokens"},
        "seed": seed}},
    "TranslateResponse": {"type": "object", "required": ["object", "model", "data"], "properties": {
        "object": {"const": "list"}, "model": {"type": "string"},
        "data": {"type": "array", "items": {"type": "object", "required": ["index", "text", "score", "hypotheses"], "properties": {
            "index": {"type": "integer"}, "text": {"type": "string"}, "score": {"type": "number"},
            "hypotheses": {"type": "array", "items": {"type": "object", "properties": {"text": {"type": "string"}, "score": {"type": "number"}}}}}}}}},
    "Im2LatexResponse": {"type": "object", "required": ["object", "model", "data"], "properties": {
        "object": {"const": "list"}, "model": {"type": "string"},
        "data": {"type": "array", "items": {"type": "object", "required": ["index", "name", "latex", "tokens"], "properties": {
            "index": {"type": "integer"}, "name": {"type": "string"}, "latex": {"type": "string"}, "tokens": {"type": "integer"},
            "rendering": {"type": ["string", "null"]}}}}}},
    "ModelList": {"type": "object", "required": ["object", "data"], "properties": {
        "object": {"const": "list"},
        "data": {"type": "array", "items": {"type": "object", "required": ["id", "object", "kind"], "properties": {
            "id": {"type": "string"}, "object": {"const": "model"}, "created": {"type": "integer"}, "owned_by": {"type": "string"},
            "kind": {"enum": ["classifier", "embedder", "language_model", "translator", "im2latex"]}, "details": {"type": "object"}}}}}},
    "Health": {"type": "object", "required": ["status"], "properties": {
        "status": {"enum": ["ok", "failed"]}, "models": {"type": "array", "items": {"type": "string"}}, "error": {"type": "string"}}},
}


# The chat route shares every sampling field of the completions route except the prompt (and echo).
for name, prop in schemas["CompletionRequest"]["properties"].items():
    if name not in ("prompt", "echo"):
        schemas["ChatCompletionRequest"]["properties"].setdefault(name, json.loads(json.dumps(prop)))


def nullable(schema):
    """Optional fields also take null (OpenAI clients send it for 'not set'); the server reads null as absent."""
    for body in schema.values():
        required = set(body.get("required", []))
        for name, prop in body.get("properties", {}).items():
            if name in required or "$ref" in prop:
                continue
            if "type" in prop and isinstance(prop["type"], str):
                prop["type"] = [prop["type"], "null"]
            elif "enum" in prop:
                prop["enum"] = prop["enum"] + [None]
            elif "const" in prop:
                prop["anyOf"] = [{"const": prop.pop("const")}, {"type": "null"}]
            elif "oneOf" in prop:
                prop["oneOf"] = prop["oneOf"] + [{"type": "null"}]


# Sampling (asked for, or implied by a sampling setting) and a beam wider than 1 are separate strategies; the
# server refuses the pair, so the document says so and a schema-valid request is one the server takes.
sampling_setting = [{"required": [name], "properties": {name: {"type": kind}}}
                    for name, kind in [("temperature", "number"), ("top_k", "integer"), ("top_p", "number"), ("seed", "integer")]]
sampling_setting.append({"required": ["uniform"], "properties": {"uniform": {"const": True}}})
schemas["TranslateRequest"]["not"] = {
    "required": ["beams"], "properties": {"beams": {"type": "integer", "minimum": 2}},
    "anyOf": [{"required": ["sample"], "properties": {"sample": {"const": True}}},
              {"properties": {"sample": {"type": "null"}}, "anyOf": sampling_setting}]}
schemas["TranslateRequest"]["description"] = ("beams above 1 with sampling (sample: true, or a sampling setting without "
                                              "sample: false) is refused: they are separate strategies")


for request in ["ClassifyRequest", "TEIPredictRequest", "EmbeddingsRequest", "TEIEmbedRequest", "CompletionRequest",
                "ChatCompletionRequest", "TranslateRequest"]:
    nullable({request: schemas[request]})


def post(summary, request, response, extra=None):
    responses = {"200": response, **MODEL_ERRORS, **(extra or {})}
    return {"post": {"summary": summary, "requestBody": json_body(ref(request)), "responses": responses}}


paths = {
    "/": {"get": {"summary": "A page to try each served model", "responses": {
        "200": {"description": "HTML", "content": {"text/html": {"schema": {"type": "string"}}}}}}},
    "/health": {"get": {"summary": "200 once the models are loaded, 503 before", "responses": {
        "200": ok(ref("Health")), "503": {**error("Still loading, or loading failed"), "headers": RETRY}}}},
    "/v1/models": {"get": {"summary": "The served models (OpenAI's list, with each one's kind and details)", "responses": {
        "200": ok(ref("ModelList")), "401": MODEL_ERRORS["401"], "503": MODEL_ERRORS["503"]}}},
    "/metrics": {"get": {"summary": "Prometheus metrics", "responses": {
        "200": {"description": "Prometheus text format", "content": {"text/plain": {"schema": {"type": "string"}}}},
        "401": MODEL_ERRORS["401"]}}},
    "/openapi.json": {"get": {"summary": "This document", "responses": {"200": ok({"type": "object"})}}},
    "/v1/classify": post("Classify texts (classification runs)", "ClassifyRequest", ok(ref("ClassifyResponse"))),
    "/predict": post("Classify texts, Hugging Face TEI's shape", "TEIPredictRequest",
                     ok({"oneOf": [ref("TEIScores"), {"type": "array", "items": ref("TEIScores")}]})),
    "/v1/embeddings": post("Sentence embeddings (OpenAI's shape)", "EmbeddingsRequest", ok(ref("EmbeddingsResponse"))),
    "/embed": post("Sentence embeddings (TEI's shape)", "TEIEmbedRequest",
                   ok({"type": "array", "items": {"type": "array", "items": {"type": "number"}}})),
    "/v1/completions": post("OpenAI-compatible completions (GPT-2 runs and directories)", "CompletionRequest", {
        "description": "A completion, or with stream: true server-sent events (chunks shaped like the completion, then data: [DONE])",
        "content": {"application/json": {"schema": ref("CompletionResponse")}, "text/event-stream": {"schema": {
            "description": "One server-sent event: data is a CompletionResponse chunk as JSON (usage only in the last, with stream_options.include_usage), or [DONE]",
            "type": "object", "required": ["data"], "properties": {"data": {"type": "string"}, "event": {"type": "string"}}}}}}),
    "/v1/chat/completions": post("OpenAI-compatible chat completions (the language models, rendered with the server's --chat-template; 400 no_chat_template without one)",
                                 "ChatCompletionRequest", {
        "description": "A chat completion, or with stream: true server-sent events (chat.completion.chunk objects: a role delta, content deltas, a finish_reason; then data: [DONE])",
        "content": {"application/json": {"schema": ref("ChatCompletionResponse")}, "text/event-stream": {"schema": {
            "description": "One server-sent event: data is a chat.completion.chunk as JSON, or [DONE]",
            "type": "object", "required": ["data"], "properties": {"data": {"type": "string"}, "event": {"type": "string"}}}}}}),
    "/v1/translate": post("Translate (seq2seq runs)", "TranslateRequest", ok(ref("TranslateResponse"))),
    "/v1/im2latex": {"post": {
        "summary": "LaTeX of formula images (im2latex runs): a PNG body or a multipart upload of one or more",
        "parameters": [
            {"name": "model", "in": "query", "required": False, "schema": {"type": "string"}},
            {"name": "beams", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 1, "maximum": 16}},
            {"name": "render", "in": "query", "required": False, "schema": {"type": "boolean"},
             "description": "Add each prediction rendered by TeX Live as a PNG data URL ('rendering'; null if it does not compile)"}],
        "requestBody": {"required": True, "content": {
            "image/png": {"schema": {"type": "string", "format": "binary"}},
            "multipart/form-data": {"schema": {"type": "object", "properties": {"image": {"type": "string", "format": "binary"}}}}}},
        "responses": {"200": ok(ref("Im2LatexResponse")), **MODEL_ERRORS,
                      "415": error("Neither image/png nor multipart/form-data")}}},
}

document = {
    "openapi": "3.1.0",
    "info": {"title": "lemma serve", "version": "0.1.0",
             "description": "Trained Lemma runs and Hugging Face model directories behind one HTTP server. Errors are OpenAI's error object."},
    "paths": paths,
    "components": {"schemas": schemas, "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    "security": [{}, {"bearer": []}],
}

OUT.write_text(json.dumps(document, indent=1, sort_keys=False) + "\n")
print(f"wrote {OUT.relative_to(ROOT)}")
