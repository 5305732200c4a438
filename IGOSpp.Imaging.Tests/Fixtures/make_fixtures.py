"""Regenerates the image fixtures of ImageIOTests (run with Debian's python3-pil: /usr/bin/python3 make_fixtures.py).

SkiaSharp cannot encode these cases (CMYK JPEG, animated GIF/WebP, BMP, 16-bit PNG), so they are made with Pillow 9.4.
"""
from PIL import Image

# CMYK JPEG: pure red in CMYK (C=0, M=255, Y=255, K=0).
Image.new('CMYK', (8, 6), (0, 255, 255, 0)).save('cmyk-red.jpg', quality=95)

# Animated GIF and WebP: frame 0 red, frame 1 blue.
f0 = Image.new('RGB', (6, 4), (255, 0, 0))
f1 = Image.new('RGB', (6, 4), (0, 0, 255))
f0.save('animated-red-then-blue.gif', save_all=True, append_images=[f1], duration=100, loop=0)
f0.save('animated-red-then-blue.webp', save_all=True, append_images=[f1], duration=100, loop=0, lossless=True)

# BMP 24-bit, 3x2, known pixels.
b = Image.new('RGB', (3, 2))
b.putdata([(255, 0, 0), (0, 255, 0), (0, 0, 255), (10, 20, 30), (200, 100, 50), (255, 255, 255)])
b.save('rgb-3x2.bmp')

# 16-bit grayscale PNG, 4x1: 0, 65535, 32896 (= 128 * 257), 257 (= 1 * 257).
g = Image.new('I;16', (4, 1))
g.putdata([0, 65535, 32896, 257])
g.save('gray16-4x1.png')
