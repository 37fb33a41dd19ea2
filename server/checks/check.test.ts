import { describe, expect, it } from 'vitest';
import { Tile } from '../../shared/dashboards.js';
import { checkTitle } from './check.js';

describe('checkTitle', () => {
  it('adds the label values the tile does not fix, whatever the label is named (constructor included)', () => {
    const tile = Tile.parse({ metric: 'app.x', title: 'X', labels: { model: 'llama' } });
    expect(checkTitle(tile, 'app.x{constructor=a,model=llama}')).toBe('X a');
    expect(checkTitle(tile, 'app.x{model=llama,tostring=b}')).toBe('X b');
  });
});
