export declare const REQUIRED_NODE: string;
export declare function nodeVersionAtLeast(version: string, required?: string): boolean;
export declare function nodeVersionMessage(command: string, version?: string, execPath?: string): string;
export declare function requireNode(command: string): void;
