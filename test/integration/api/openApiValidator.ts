/**
 * Checks real API responses against src/core/api/openapi.json: the documented status codes, the
 * content type, and the JSON body against the schema (the subset of OpenAPI 3.0 the document
 * uses: $ref, type, nullable, enum, allOf, properties, required, additionalProperties, items, oneOf,
 * minimum, maximum, format date-time).
 */

interface Schema {
  $ref?: string;
  type?: 'object' | 'array' | 'string' | 'number' | 'integer' | 'boolean';
  nullable?: boolean;
  enum?: unknown[];
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  items?: Schema;
  oneOf?: Schema[];
  allOf?: Schema[];
  minimum?: number;
  maximum?: number;
  format?: string;
}

interface ResponseObject {
  $ref?: string;
  content?: Record<string, { schema: Schema }>;
}

interface OperationObject {
  responses: Record<string, ResponseObject>;
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, OperationObject>>;
  components: { schemas: Record<string, Schema>; responses: Record<string, ResponseObject> };
}

/** Errors any path can answer, before routing (Host, token, limits, unknown path or method). */
const TRANSPORT_ERRORS: Readonly<Record<string, string>> = {
  '401': 'Unauthorized',
  '403': 'ForeignHost',
  '404': 'NotFound',
  '405': 'NotFound',
  '408': 'NotFound',
  '413': 'TooLarge',
};

export class OpenApiValidator {
  private readonly templates: { template: string; pattern: RegExp }[];

  constructor(private readonly document: OpenApiDocument) {
    this.templates = Object.keys(document.paths).map((template) => ({
      template,
      pattern: new RegExp(
        `^${template
          .replace(/\./g, '\\.')
          .replace(/\{target\}/g, '(.+)')
          .replace(/\{[^}]+\}/g, '[^/]+')}$`,
      ),
    }));
  }

  /** The documented path template for a concrete path, if any. */
  templateFor(path: string): string | undefined {
    return this.templates.find(({ pattern }) => pattern.test(path))?.template;
  }

  /** Every way the response departs from the document; empty when it conforms. */
  validate(method: string, path: string, status: number, contentType: string | undefined, body: string): string[] {
    const template = this.templateFor(path);
    const operation = template ? this.document.paths[template]?.[method.toLowerCase()] : undefined;
    let response = operation?.responses[String(status)];
    if (!response) {
      const generic = TRANSPORT_ERRORS[String(status)];
      if (!generic) return [`${method} ${path} answered ${status}, which the document does not list${template ? ` for ${template}` : ''}.`];
      response = { $ref: `#/components/responses/${generic}` };
    }
    if (response.$ref) response = this.document.components.responses[response.$ref.split('/').pop()!]!;
    const mediaTypes = Object.keys(response.content ?? {});
    if (mediaTypes.length === 0) return body === '' ? [] : [`${method} ${path} ${status} has a body but the document lists none.`];
    const actual = (contentType ?? '').split(';')[0]!.trim();
    const media = mediaTypes.find((type) => type.split(';')[0]!.trim() === actual);
    if (!media) return [`${method} ${path} ${status} is ${contentType}, the document lists ${mediaTypes.join(', ')}.`];
    if (actual !== 'application/json') return [];
    let value: unknown;
    try {
      value = JSON.parse(body);
    } catch {
      return [`${method} ${path} ${status} is not JSON: ${body.slice(0, 80)}`];
    }
    const errors: string[] = [];
    this.check(response.content![media]!.schema, value, '$', errors);
    return errors.map((error) => `${method} ${path} ${status}: ${error}`);
  }

  private resolve(schema: Schema): Schema {
    return schema.$ref ? this.resolve(this.document.components.schemas[schema.$ref.split('/').pop()!]!) : schema;
  }

  private check(raw: Schema, value: unknown, at: string, errors: string[]): void {
    const schema = this.resolve(raw);
    if (value === null) {
      if (!schema.nullable) errors.push(`${at} is null but not nullable`);
      return;
    }
    if (schema.allOf) {
      for (const part of schema.allOf) this.check(part, value, at, errors);
      return;
    }
    if (schema.oneOf) {
      const matching = schema.oneOf.filter((option) => {
        const optionErrors: string[] = [];
        this.check(option, value, at, optionErrors);
        return optionErrors.length === 0;
      });
      if (matching.length !== 1) errors.push(`${at} matches ${matching.length} of the oneOf schemas instead of one`);
      return;
    }
    if (schema.enum && !schema.enum.includes(value))
      errors.push(`${at} is ${JSON.stringify(value)}, not one of ${JSON.stringify(schema.enum)}`);
    switch (schema.type) {
      case 'string':
        if (typeof value !== 'string') errors.push(`${at} should be a string, is ${JSON.stringify(value)}`);
        else if (
          schema.format === 'date-time' &&
          !(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/.test(value) && Number.isFinite(Date.parse(value)))
        ) {
          errors.push(`${at} is not an ISO 8601 date-time: ${value}`);
        }
        return;
      case 'integer':
      case 'number':
        if (typeof value !== 'number' || !Number.isFinite(value) || (schema.type === 'integer' && !Number.isInteger(value))) {
          errors.push(`${at} should be ${schema.type === 'integer' ? 'an integer' : 'a number'}, is ${JSON.stringify(value)}`);
        } else if ((schema.minimum !== undefined && value < schema.minimum) || (schema.maximum !== undefined && value > schema.maximum)) {
          errors.push(`${at} = ${value} is outside [${schema.minimum}, ${schema.maximum}]`);
        }
        return;
      case 'boolean':
        if (typeof value !== 'boolean') errors.push(`${at} should be a boolean, is ${JSON.stringify(value)}`);
        return;
      case 'array':
        if (!Array.isArray(value)) errors.push(`${at} should be an array`);
        else if (schema.items) value.forEach((item, index) => this.check(schema.items!, item, `${at}[${index}]`, errors));
        return;
      case 'object': {
        if (typeof value !== 'object' || Array.isArray(value)) {
          errors.push(`${at} should be an object`);
          return;
        }
        const record = value as Record<string, unknown>;
        for (const key of schema.required ?? []) if (!(key in record)) errors.push(`${at}.${key} is missing`);
        for (const [key, item] of Object.entries(record)) {
          const property = schema.properties?.[key];
          if (property) this.check(property, item, `${at}.${key}`, errors);
          else if (schema.additionalProperties === false) errors.push(`${at}.${key} is not in the document`);
          else if (typeof schema.additionalProperties === 'object')
            this.check(schema.additionalProperties, item, `${at}[${JSON.stringify(key)}]`, errors);
        }
        return;
      }
      case undefined:
        return;
    }
  }
}
